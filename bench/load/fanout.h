// outpost-load fanout: one publisher, many subscribers with the same wildcard filter — the
// plain-MQTT fan-out benchmark (issue 14). Works against any broker that takes anonymous or
// user-name clients (outpost-hub with mqtt_broker, mosquitto).
//
//   outpost-load fanout --port P --subscribers 1000 --sub-filter 'plant/+/temp'
//                       --pub-topic plant/line1/temp --count 200 --rate 100 --qos 1 --size 64
//                       [--username U --password P] [--timeout 120]
//
// Subscribers connect and subscribe (at --qos) first; then the publisher sends --count
// messages at --rate per second (0: as fast as the window of 100 allows). Each delivery's
// one-way latency is measured (the body carries the send time). Prints one JSON line:
// subscribers, sent, deliveries, expected, seconds (first send to last delivery),
// deliveries_per_s, latency_us {p50, p90, p99, max}.
#pragma once
#include <map>
#include <string>

namespace outpost::load {

int run_fanout(const std::map<std::string, std::string>& options);

}  // namespace outpost::load

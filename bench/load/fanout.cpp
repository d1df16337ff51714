#include "load/fanout.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "load/measure.h"
#include "load/mqtt_load_client.h"

namespace outpost::load {
namespace {

namespace asio = boost::asio;

long int_option(const std::map<std::string, std::string>& o, const std::string& key, long fallback) {
  const auto it = o.find(key);
  return it == o.end() ? fallback : std::stol(it->second);
}

std::string string_option(const std::map<std::string, std::string>& o, const std::string& key, const std::string& fallback) {
  const auto it = o.find(key);
  return it == o.end() ? fallback : it->second;
}

struct Run {
  asio::io_context io{1};
  ClientSettings base;
  std::string filter, topic;
  long subscribers = 1000, count = 200, rate = 100, size = 64;
  std::uint8_t qos = 1;
  std::vector<std::shared_ptr<MqttLoadClient>> subs;
  std::shared_ptr<MqttLoadClient> pub;
  long ready = 0, acked = 0, sent = 0;
  std::uint64_t deliveries = 0, first_send = 0, last_delivery = 0;
  std::vector<std::uint64_t> latencies;
  std::unordered_set<std::uint16_t> in_flight;
  std::unique_ptr<asio::steady_timer> pace;

  ClientSettings settings(const std::string& client_id) const {
    auto s = base;
    s.client_id = client_id;
    return s;
  }

  void fail(const std::string& what) {
    std::fprintf(stderr, "outpost-load fanout: %s\n", what.c_str());
    std::exit(3);
  }

  void start_subscribers() {
    for (long i = 0; i < subscribers; ++i) {
      auto c = std::make_shared<MqttLoadClient>(io, settings("fan-" + std::to_string(i)));
      c->on_message = [this](const mqtt::PublishPacket& p) { delivered(p); };
      c->on_close = [this](std::string reason) {
        if (deliveries < expected()) fail("a subscriber lost its connection: " + reason);
      };
      c->connect([this, c](bool ok, std::string error) {
        if (!ok) fail("a subscriber cannot connect: " + error);
        c->subscribe(filter, qos, [this](bool granted) {
          if (!granted) fail("subscription to " + filter + " refused");
          if (++ready == subscribers) start_publisher();
        });
      });
      subs.push_back(std::move(c));
    }
  }

  std::uint64_t expected() const { return static_cast<std::uint64_t>(subscribers) * static_cast<std::uint64_t>(count); }

  void start_publisher() {
    pub = std::make_shared<MqttLoadClient>(io, settings("fan-publisher"));
    pub->on_ack = [this](std::uint16_t id) {
      if (in_flight.erase(id) > 0) ++acked;
      pump();
    };
    pub->on_close = [this](std::string reason) {
      if (deliveries < expected()) fail("the publisher lost its connection: " + reason);
    };
    pace = std::make_unique<asio::steady_timer>(io);
    pub->connect([this](bool ok, std::string error) {
      if (!ok) fail("the publisher cannot connect: " + error);
      first_send = monotonic_ns();
      pump();
    });
  }

  void pump() {
    while (sent < count && in_flight.size() < 100) {
      if (rate > 0) {
        const auto due = first_send + static_cast<std::uint64_t>(sent) * 1'000'000'000ull / static_cast<std::uint64_t>(rate);
        const auto now = monotonic_ns();
        if (due > now) {
          pace->expires_after(std::chrono::nanoseconds(due - now));
          pace->async_wait([this](auto ec) {
            if (!ec) pump();
          });
          return;
        }
      }
      std::string body(static_cast<std::size_t>(std::max<long>(size, 16)), 'x');
      const auto seq = static_cast<std::uint64_t>(sent);
      const auto now = monotonic_ns();
      std::memcpy(body.data(), &seq, 8);
      std::memcpy(body.data() + 8, &now, 8);
      const auto id = pub->publish(topic, body, qos);
      ++sent;
      if (qos > 0) in_flight.insert(id);
    }
  }

  void delivered(const mqtt::PublishPacket& p) {
    if (p.payload.size() < 16) return;
    std::uint64_t sent_at;
    std::memcpy(&sent_at, p.payload.data() + 8, 8);
    last_delivery = monotonic_ns();
    latencies.push_back(last_delivery - sent_at);
    if (++deliveries == expected()) io.stop();
  }
};

}  // namespace

int run_fanout(const std::map<std::string, std::string>& o) {
  Run run;
  run.base.host = string_option(o, "host", "127.0.0.1");
  run.base.port = static_cast<std::uint16_t>(int_option(o, "port", 1883));
  if (o.count("username")) run.base.username = o.at("username");
  if (o.count("password")) run.base.password = o.at("password");
  run.filter = string_option(o, "sub-filter", "fan/+/t");
  run.topic = string_option(o, "pub-topic", "fan/x/t");
  run.subscribers = int_option(o, "subscribers", 1000);
  run.count = int_option(o, "count", 200);
  run.rate = int_option(o, "rate", 100);
  run.size = int_option(o, "size", 64);
  run.qos = static_cast<std::uint8_t>(int_option(o, "qos", 1));
  run.latencies.reserve(run.expected());
  asio::steady_timer timeout(run.io, std::chrono::seconds(int_option(o, "timeout", 120)));
  timeout.async_wait([&](auto ec) {
    if (ec) return;
    std::fprintf(stderr, "outpost-load fanout: timed out\n");
    run.io.stop();
  });
  run.start_subscribers();
  run.io.run();
  const double seconds = run.first_send == 0 ? 0 : static_cast<double>(run.last_delivery - run.first_send) / 1e9;
  nlohmann::json result{{"mode", "fanout"},
                        {"subscribers", run.subscribers},
                        {"sent", run.sent},
                        {"deliveries", run.deliveries},
                        {"expected", run.expected()},
                        {"seconds", seconds},
                        {"deliveries_per_s", seconds > 0 ? static_cast<double>(run.deliveries) / seconds : 0},
                        {"latency_us", {{"p50", percentile_us(run.latencies, 0.50)}, {"p90", percentile_us(run.latencies, 0.90)},
                                        {"p99", percentile_us(run.latencies, 0.99)}, {"max", percentile_us(run.latencies, 1.0)}}}};
  std::cout << result.dump() << std::endl;
  return run.deliveries == run.expected() ? 0 : 1;
}

}  // namespace outpost::load

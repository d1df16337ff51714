// What the upstream link needs of one identity's way to the cloud, whichever protocol carries
// it: MQTT (UpstreamConnection, a connection of its own) or AMQP (an amqp::CloudChannel, a
// session on the one multiplexed connection). Both speak IoT Hub's MQTT topics.
#pragma once
#include <functional>
#include <string>

#include "outpost/iothub/identity.h"

namespace outpost::hub {

class UpstreamChannel {
 public:
  virtual ~UpstreamChannel() = default;
  virtual void start() = 0;
  virtual bool connected() const = 0;
  virtual const iothub::Identity& identity() const = 0;
  // `done(ok)` runs on the loop: for QoS 1 telemetry once the cloud acknowledged it.
  virtual void publish(const std::string& topic, const std::string& payload, int qos, std::function<void(bool ok)> done) = 0;
  virtual void subscribe(const std::string& filter, int qos) = 0;
};

}  // namespace outpost::hub

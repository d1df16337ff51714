// Direct methods: a request goes to the target's MQTT connection on
// $iothub/methods/POST/{name}/?$rid={rid}; the answer on $iothub/methods/res/{status}/?$rid=
// completes the caller. 404 when the target is not connected (or not listening for
// methods), 504 when it does not answer in time — as edgeHub and IoT Hub answer.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "outpost/mqtt/server.h"
#include "outpost/net/event_loop.h"

namespace outpost::hub {

struct MethodResult {
  int status = 0;           // the method's own status, or 404/504/...
  std::string payload_json; // "null" when the method returned nothing
  bool from_device = false; // false: the hub answered (404, 504)
};

class MethodRouter {
 public:
  using Callback = std::function<void(MethodResult)>;
  explicit MethodRouter(net::EventLoop& loop) : loop_(loop) {}

  // `target` may be null (not connected). `payload_json` must be valid JSON.
  void invoke(const mqtt::ConnectionPtr& target, bool target_listens, const std::string& method,
              const std::string& payload_json, std::chrono::seconds timeout, Callback done);
  // A response from `connection`; false when no such call is pending for it.
  bool complete(const mqtt::Connection& connection, const std::string& rid, int status, std::string payload);
  std::size_t pending() const { return pending_.size(); }

 private:
  struct Pending {
    std::uint64_t connection_id;
    Callback done;
    std::unique_ptr<net::Timer> timer;
  };
  net::EventLoop& loop_;
  std::unordered_map<std::string, Pending> pending_;
  std::uint64_t next_rid_ = 1;
};

}  // namespace outpost::hub

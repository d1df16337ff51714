// Direct methods to connected devices and modules, for every server that speaks IoT Hub's
// MQTT (the cloud's service API, the edge hub's management API and its cloud link): the request goes out on
// $iothub/methods/POST/{name}/?$rid={rid}, the answer on $iothub/methods/res/{status}/?$rid=
// completes the caller. When the target is not listening the call waits up to its
// connectTimeoutInSeconds for it to connect and subscribe (0: answer 404 at once);
// no answer within responseTimeoutInSeconds is 504. Runs on the event loop's thread.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "outpost/iothub/identity.h"
#include "outpost/iothub_methods/method_requests.h"
#include "outpost/mqtt/server.h"
#include "outpost/net/event_loop.h"

namespace outpost::iothub {

class MethodDispatcher {
 public:
  using Callback = std::function<void(MethodResult)>;
  explicit MethodDispatcher(net::EventLoop& loop) : loop_(loop) {}

  struct Call {
    Identity target;
    std::string method;
    std::string payload_json;
    std::chrono::seconds response_timeout{30};
    std::chrono::seconds connect_timeout{0};
  };
  // `listening` is the target's connection when it is connected and subscribed to methods.
  void invoke(Call call, const mqtt::ConnectionPtr& listening, Callback done);
  // The target subscribed to methods: send it what waited for it.
  void target_ready(const Identity& target, const mqtt::ConnectionPtr& connection);
  // A response from `connection`; false when no such call is pending on it.
  bool complete(const mqtt::Connection& connection, const std::string& rid, int status, std::string payload);
  // The connection closed: its calls in flight end now (404) instead of at their timeout.
  void connection_closed(std::uint64_t connection_id);
  std::size_t pending() const { return pending_.size(); }

 private:
  void send(Call call, const mqtt::ConnectionPtr& connection, Callback done);

  struct Pending {
    std::uint64_t connection_id;
    Callback done;
    std::unique_ptr<net::Timer> timer;
  };
  struct Waiting {
    std::uint64_t id;
    Call call;
    Callback done;
    std::unique_ptr<net::Timer> timer;
  };
  net::EventLoop& loop_;
  std::unordered_map<std::string, Pending> pending_;                     // by rid
  std::unordered_map<std::string, std::vector<Waiting>> waiting_;        // by target id
  std::uint64_t next_rid_ = 1;
  std::uint64_t next_waiting_ = 1;
};

}  // namespace outpost::iothub

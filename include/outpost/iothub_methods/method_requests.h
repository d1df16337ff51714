// A direct-method call through IoT Hub's service REST API, for every server that takes one
// (the cloud's service API, the edge hub's management API):
//   POST /twins/{d}[/modules/{m}]/methods
//   {"methodName": "...", "payload": <JSON>, "responseTimeoutInSeconds": 5..300 (30),
//    "connectTimeoutInSeconds": 0..300 (0)}
//   -> 200 {"status": <the method's status>, "payload": <its answer; a string when not JSON>}
//      404 DeviceNotOnline (not listening, or gone before it answered), 504 GatewayTimeout.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "outpost/iothub/errors.h"
#include "outpost/iothub/identity.h"

namespace outpost::iothub {

inline constexpr std::size_t kMaxMethodPayloadSize = 128 * 1024;

struct MethodRequest {
  std::string method;
  std::string payload_json = "null";
  std::chrono::seconds response_timeout{30};
  std::chrono::seconds connect_timeout{0};
};

// Fills `out` from the request body; the error (400, 413 over 128 KB) when it cannot.
std::optional<ServiceError> parse_method_request(std::string_view body, MethodRequest& out);

// How a call ended: the method's own answer, or the server's 404 / 504.
struct MethodResult {
  int status = 0;            // the method's status, or 404 / 504 from the server
  std::string payload_json;  // the device's payload ("null" when none)
  bool from_device = false;
};

// The HTTP answer to a call that ended with `result`: the 200 body, or the error.
struct MethodAnswer {
  std::optional<ServiceError> error;
  std::string body;  // {"status":..,"payload":..} when there is no error
};
MethodAnswer method_answer(const MethodResult& result, const Identity& target);

}  // namespace outpost::iothub

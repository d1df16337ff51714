// Direct methods: what a handler answers, and what invokeMethod returns.
#pragma once
#include <functional>
#include <string>

namespace outpost::client {

struct MethodResult {
  int status = 200;
  std::string payload = "null";  // JSON text
};

// Runs on the client's callback thread with the request's payload as JSON text ("null" when
// the caller sent none). An exception becomes status 500 with its message.
using MethodHandler = std::function<MethodResult(const std::string& payload)>;

}  // namespace outpost::client

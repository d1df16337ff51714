// Helpers for the routing tests: message builders and one-line condition evaluation.
#pragma once
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <string_view>

#include "outpost/core/message.h"
#include "outpost/routing/route.h"

namespace outpost::routing::testing {

inline std::ostream& operator<<(std::ostream& os, Truth t) {
  return os << (t == Truth::true_ ? "true" : t == Truth::false_ ? "false" : "undefined");
}

// The three truth values, one letter each so that truth tables read as tables.
inline constexpr Truth T = Truth::true_;
inline constexpr Truth F = Truth::false_;
inline constexpr Truth U = Truth::undefined;

class MessageBuilder {
 public:
  MessageBuilder& app(std::string name, std::optional<std::string> value) {
    message_.application.append(std::move(name), std::move(value));
    return *this;
  }
  MessageBuilder& sys(std::string_view name, std::optional<std::string> value) {
    message_.system.set(std::string(name), std::move(value));
    return *this;
  }
  // A JSON body with the content type and encoding edgeHub needs to query it.
  MessageBuilder& json(std::string body, std::string encoding = "utf-8") {
    message_.body = std::move(body);
    sys(sysprop::kContentType, "application/json");
    sys(sysprop::kContentEncoding, std::move(encoding));
    return *this;
  }
  MessageBuilder& body(std::string body) {
    message_.body = std::move(body);
    return *this;
  }
  MessageBuilder& from_module(std::string module, std::string output = "") {
    sys(sysprop::kConnectionDeviceId, "edge1");
    sys(sysprop::kConnectionModuleId, std::move(module));
    if (!output.empty()) sys(sysprop::kOutputName, std::move(output));
    return *this;
  }
  MessageBuilder& from_device(std::string device) {
    sys(sysprop::kConnectionDeviceId, std::move(device));
    return *this;
  }
  Message build() const { return message_; }
  operator Message() const { return message_; }  // NOLINT: builders read naturally

 private:
  Message message_;
};

// The route text a condition is tested in.
inline std::string route_with(std::string_view condition) {
  return "FROM /* WHERE " + std::string(condition) + " INTO $upstream";
}

// Compiles `FROM /* WHERE <condition> INTO $upstream` and evaluates it.
inline Truth eval(std::string_view condition, const Message& message) {
  auto route = compile_route("test", route_with(condition));
  if (!route) {
    ADD_FAILURE() << "does not compile: " << route.error();
    return Truth::undefined;
  }
  return route->evaluate(message);
}

// The compile error of `FROM /* WHERE <condition> INTO $upstream` ("" if it compiles).
inline std::string compile_error(std::string_view condition) {
  auto route = compile_route("r1", route_with(condition));
  return route ? std::string() : route.error();
}

}  // namespace outpost::routing::testing

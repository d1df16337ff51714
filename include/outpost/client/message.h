// A message as module and device code sees it: the body, the system properties IoT Hub
// defines and the application's own properties. Self-contained (only the standard library):
// this header is part of the installed SDK.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "outpost/client/export.h"

namespace outpost::client {

struct OUTPOST_CLIENT_API Message {
  Message() = default;
  explicit Message(std::string body_bytes) : body(std::move(body_bytes)) {}

  std::string body;  // bytes, not necessarily text

  // System properties (empty: not set).
  std::string messageId;
  std::string correlationId;
  std::string userId;
  std::string contentType;      // e.g. "application/json"
  std::string contentEncoding;  // e.g. "utf-8"

  // Set by the SDK on messages it delivers: the module input it arrived on, and who sent it
  // (the hub stamps the sender's identity).
  std::string inputName;
  std::string connectionDeviceId;
  std::string connectionModuleId;

  // Application properties, in order.
  std::vector<std::pair<std::string, std::string>> properties;

  // The value of an application property, or nullptr.
  const std::string* property(std::string_view name) const;
  // Replaces the property's value, or appends it.
  Message& setProperty(std::string name, std::string value);
};

}  // namespace outpost::client

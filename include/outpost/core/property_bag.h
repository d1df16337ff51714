// The MQTT property bag: the `k=v&k2=v2` topic suffix IoT Hub uses to carry message
// properties. Keys and values are percent-encoded; `$.mid`-style keys are system
// properties (sent as `%24.mid`); a bare `k` is a null value, `k=` an empty string.
#pragma once
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "outpost/core/message.h"
#include "outpost/core/result.h"

namespace outpost {

// The bag key for a system property name ("messageId" -> "$.mid"), and back.
std::optional<std::string_view> bag_key_for_system_property(std::string_view internal_name);
std::optional<std::string_view> system_property_for_bag_key(std::string_view bag_key);

// Parses a bag into `message`. A leading '?' is tolerated; parsing stops at '/'.
// Errors name the position and the fault (bad percent-encoding, empty key).
Status decode_property_bag(std::string_view bag, Message& message);

// Encodes system properties that have a bag key (in their order), then application
// properties, percent-encoded as encodeURIComponent does (uppercase hex, as the SDKs send).
// System properties named in `skip_system` are left out (e.g. outputName on delivery).
std::string encode_property_bag(const Message& message,
                                std::initializer_list<std::string_view> skip_system = {});
// The same, appended to `out`.
void append_property_bag(std::string& out, const Message& message,
                         std::initializer_list<std::string_view> skip_system = {});

}  // namespace outpost

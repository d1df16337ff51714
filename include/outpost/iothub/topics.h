// IoT Hub's MQTT topic scheme, shared by the edge hub and the cloud hub: what a client
// publishes and subscribes to, and the topics the server publishes on.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "outpost/core/message.h"
#include "outpost/core/result.h"
#include "outpost/iothub/identity.h"

namespace outpost::iothub {

// ---- client -> server PUBLISH topics ----

// devices/{d}/messages/events/{bag}  or  devices/{d}/modules/{m}/messages/events/{bag}[/]
struct TelemetryTopic {
  Identity sender;
  std::string_view bag;  // into the topic string
};
// $iothub/twin/GET/?$rid={rid}
struct TwinGetTopic {
  std::string rid;
};
// $iothub/twin/PATCH/properties/reported/?$rid={rid}
struct TwinReportedPatchTopic {
  std::string rid;
};
// $iothub/methods/res/{status}/?$rid={rid}
struct MethodResponseTopic {
  int status = 0;
  std::string rid;
};
struct UnknownTopic {};

using PublishTopic =
    std::variant<UnknownTopic, TelemetryTopic, TwinGetTopic, TwinReportedPatchTopic, MethodResponseTopic>;

// Classifies a topic; an error means a known shape with a broken part (bad status, no $rid).
Result<PublishTopic> parse_publish_topic(std::string_view topic);

// ---- client SUBSCRIBE filters ----

enum class SubscriptionKind : std::uint8_t {
  unknown = 0,
  c2d = 1,             // devices/{d}/messages/devicebound/#
  module_inputs = 2,   // devices/{d}/modules/{m}/#  or  devices/{d}/modules/{m}/inputs/#
  twin_responses = 4,  // $iothub/twin/res/#
  twin_desired = 8,    // $iothub/twin/PATCH/properties/desired/#
  methods = 16,        // $iothub/methods/POST/#
};

struct SubscriptionFilter {
  SubscriptionKind kind = SubscriptionKind::unknown;
  std::optional<Identity> identity;  // for c2d and module_inputs: whose
};

SubscriptionFilter parse_subscription_filter(std::string_view filter);

// ---- server -> client PUBLISH topics ----

std::string input_topic(const Identity& receiver, std::string_view input, std::string_view bag);
// `devices/{d}/modules/{m}/inputs/{input}/`: what input_topic puts before the bag.
std::string input_topic_prefix(const Identity& receiver, std::string_view input);
std::string c2d_topic(std::string_view device_id, std::string_view bag);
std::string twin_response_topic(int status, std::string_view rid,
                                std::optional<std::int64_t> version = std::nullopt);
std::string twin_desired_topic(std::int64_t version);
std::string method_request_topic(std::string_view method_name, std::string_view rid);

// ---- server -> client topics, read back ----
// The AMQP endpoint (src/amqp) turns what a handler publishes on these into messages on the
// link each belongs to.

struct InputTopic {  // devices/{d}/modules/{m}/inputs/{input}/{bag}
  std::string input;
  std::string_view bag;  // into the topic string
};
struct C2dTopic {  // devices/{d}/messages/devicebound/{bag}
  std::string_view bag;
};
struct TwinResponseTopic {  // $iothub/twin/res/{status}/?$rid={rid}[&$version={v}]
  int status = 0;
  std::string rid;
  std::optional<std::int64_t> version;
};
struct TwinDesiredTopic {  // $iothub/twin/PATCH/properties/desired/?$version={v}
  std::optional<std::int64_t> version;
};
struct MethodRequestTopic {  // $iothub/methods/POST/{method}/?$rid={rid}
  std::string method;
  std::string rid;
};
using ServerTopic = std::variant<UnknownTopic, InputTopic, C2dTopic, TwinResponseTopic, TwinDesiredTopic,
                                 MethodRequestTopic>;
// UnknownTopic for anything else (a plain MQTT topic, a broken status or version).
ServerTopic parse_server_topic(std::string_view topic);

// Extracts a query parameter ("$rid", "$version") from a "?k=v&k2=v2" suffix.
std::optional<std::string> query_parameter(std::string_view topic, std::string_view name);

}  // namespace outpost::iothub

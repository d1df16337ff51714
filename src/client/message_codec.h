// The SDK's Message on IoT Hub's MQTT topics: what a client publishes (telemetry, outputs)
// and the inbound topics it subscribes to (module inputs, C2D), classified.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "outpost/client/message.h"

namespace outpost::client::detail {

// devices/{d}[/modules/{m}]/messages/events/{bag}; with an output name the bag starts with
// $.on and the topic ends with '/', as the official SDKs send it.
std::string telemetry_topic(const std::string& device_id, const std::string& module_id, const Message& message,
                            std::string_view output_name = {});

// Throws ClientError(invalid_argument) past IoT Hub's 256 KiB, counted as the hub counts.
void check_message_size(const Message& message, std::string_view output_name = {});

struct InboundMessage {
  enum class Kind { input, c2d } kind;
  std::string input_name;  // for inputs
  Message message;
};

// devices/{d}/modules/{m}/inputs/{input}/{bag} or devices/{d}/messages/devicebound/{bag};
// nullopt for any other topic or a broken property bag.
std::optional<InboundMessage> parse_inbound_message(std::string_view topic, std::string payload);

// $iothub/methods/POST/{name}/?$rid={rid} (also {name}?$rid=, as the SDKs accept it).
struct MethodRequest {
  std::string name;
  std::string rid;
};
std::optional<MethodRequest> parse_method_request(std::string_view topic);

// $iothub/twin/res/{status}/?$rid={rid}[&$version=…]
struct TwinResponse {
  int status = 0;
  std::string rid;
};
std::optional<TwinResponse> parse_twin_response(std::string_view topic);

}  // namespace outpost::client::detail

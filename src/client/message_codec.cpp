#include "message_codec.h"

#include <fmt/format.h>

#include "outpost/client/client_error.h"
#include "outpost/core/message.h"
#include "outpost/core/property_bag.h"
#include "outpost/iothub/topics.h"

namespace outpost::client::detail {
namespace {

outpost::Message to_wire(const Message& message, std::string_view output_name) {
  outpost::Message wire;
  wire.body = message.body;
  const auto set = [&](std::string_view name, const std::string& value) {
    if (!value.empty()) wire.system.append(std::string(name), value);
  };
  set(sysprop::kOutputName, std::string(output_name));  // first: the SDKs' order
  set(sysprop::kMessageId, message.messageId);
  set(sysprop::kCorrelationId, message.correlationId);
  set(sysprop::kUserId, message.userId);
  set(sysprop::kContentType, message.contentType);
  set(sysprop::kContentEncoding, message.contentEncoding);
  for (const auto& [name, value] : message.properties) wire.application.append(name, value);
  return wire;
}

Message from_wire(outpost::Message&& wire) {
  Message message(std::move(wire.body));
  const auto get = [&](std::string_view name) { return wire.system.get(name).value_or(""); };
  message.messageId = get(sysprop::kMessageId);
  message.correlationId = get(sysprop::kCorrelationId);
  message.userId = get(sysprop::kUserId);
  message.contentType = get(sysprop::kContentType);
  message.contentEncoding = get(sysprop::kContentEncoding);
  message.connectionDeviceId = get(sysprop::kConnectionDeviceId);
  message.connectionModuleId = get(sysprop::kConnectionModuleId);
  for (const auto& property : wire.application) message.properties.emplace_back(property.name, property.value.value_or(""));
  return message;
}

// The next '/'-separated segment of `rest`, consumed.
std::string_view segment(std::string_view& rest) {
  const auto slash = rest.find('/');
  const auto part = rest.substr(0, slash);
  rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  return part;
}

}  // namespace

std::string telemetry_topic(const std::string& device_id, const std::string& module_id, const Message& message,
                            std::string_view output_name) {
  auto topic = module_id.empty() ? fmt::format("devices/{}/messages/events/", device_id)
                                 : fmt::format("devices/{}/modules/{}/messages/events/", device_id, module_id);
  topic += encode_property_bag(to_wire(message, output_name));
  if (!output_name.empty()) topic += '/';
  return topic;
}

void check_message_size(const Message& message, std::string_view output_name) {
  const auto size = to_wire(message, output_name).counted_size();
  if (size > kMaxMessageSize)
    throw ClientError(ErrorCode::invalid_argument,
                      fmt::format("the message is {} bytes (body and properties); IoT Hub takes at most {}", size,
                                  kMaxMessageSize));
}

std::optional<InboundMessage> parse_inbound_message(std::string_view topic, std::string payload) {
  std::string_view rest = topic;
  if (segment(rest) != "devices" || segment(rest).empty()) return std::nullopt;
  InboundMessage inbound{InboundMessage::Kind::c2d, {}, {}};
  auto kind = segment(rest);
  if (kind == "modules") {
    if (segment(rest).empty() || segment(rest) != "inputs") return std::nullopt;
    inbound.kind = InboundMessage::Kind::input;
    inbound.input_name = std::string(segment(rest));
    if (inbound.input_name.empty()) return std::nullopt;
  } else if (kind != "messages" || segment(rest) != "devicebound") {
    return std::nullopt;
  }
  outpost::Message wire;
  wire.body = std::move(payload);
  if (!decode_property_bag(rest, wire)) return std::nullopt;
  inbound.message = from_wire(std::move(wire));
  inbound.message.inputName = inbound.input_name;
  return inbound;
}

std::optional<MethodRequest> parse_method_request(std::string_view topic) {
  constexpr std::string_view kPrefix = "$iothub/methods/POST/";
  if (topic.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  const auto rest = topic.substr(kPrefix.size());
  MethodRequest request{std::string(rest.substr(0, rest.find_first_of("/?"))), ""};
  auto rid = iothub::query_parameter(topic, "$rid");
  if (request.name.empty() || !rid || rid->empty()) return std::nullopt;
  request.rid = std::move(*rid);
  return request;
}

std::optional<TwinResponse> parse_twin_response(std::string_view topic) {
  constexpr std::string_view kPrefix = "$iothub/twin/res/";
  if (topic.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  auto rest = topic.substr(kPrefix.size());
  const auto status = segment(rest);
  if (status.empty() || status.size() > 3 || status.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  auto rid = iothub::query_parameter(topic, "$rid");
  if (!rid || rid->empty()) return std::nullopt;
  return TwinResponse{std::stoi(std::string(status)), std::move(*rid)};
}

}  // namespace outpost::client::detail

#include "outpost/iothub/telemetry_rules.h"

#include <fmt/format.h>

#include "outpost/core/property_bag.h"

namespace outpost::iothub {

TelemetryIntake take_telemetry(const TelemetryTopic& topic, const Identity& publisher, mqtt::PublishPacket& packet,
                               DupMarking dup) {
  TelemetryIntake in;
  if (topic.sender != publisher) {
    in.fault = TelemetryFault::another_identity;
    in.reason = fmt::format("'{}' published as '{}'", publisher.id(), topic.sender.id());
    return in;
  }
  in.message.system.reserve(8);  // the bag's, the sender's and the hub's stamps: one allocation
  if (auto s = decode_property_bag(topic.bag, in.message); !s) {
    in.fault = TelemetryFault::bad_property_bag;
    in.reason = s.error();
    return in;
  }
  // An MQTT 5 client's user properties are application properties and its Content Type is
  // contentType — where the topic's property bag did not already give them.
  for (auto& [name, value] : packet.properties.user_properties)
    if (!in.message.application.contains(name)) in.message.application.append(std::move(name), std::move(value));
  if (packet.properties.content_type && !in.message.system.contains(sysprop::kContentType))
    in.message.system.set(std::string(sysprop::kContentType), std::move(*packet.properties.content_type));
  in.message.body = std::move(packet.payload);
  stamp_sender(in.message, publisher);
  if (packet.retain) in.message.application.set("mqtt-retain", "true");
  if (packet.dup && dup == DupMarking::mark) in.message.application.set("mqtt-dup", "true");
  if (const auto size = in.message.counted_size(); size > kMaxMessageSize) {
    in.fault = TelemetryFault::too_large;
    in.reason = fmt::format("a message of {} bytes exceeds IoT Hub's limit of {} bytes", size, kMaxMessageSize);
  }
  return in;
}

void stamp_sender(Message& message, const Identity& sender) {
  message.system.erase(sysprop::kConnectionDeviceId);
  message.system.erase(sysprop::kConnectionModuleId);
  message.system.set(std::string(sysprop::kConnectionDeviceId), sender.device_id);
  if (sender.module_id) message.system.set(std::string(sysprop::kConnectionModuleId), *sender.module_id);
}

Result<Message> will_message(const mqtt::Will& will, const Identity& owner, std::string_view marker) {
  const auto topic = parse_publish_topic(will.topic);
  const auto* telemetry = topic ? std::get_if<TelemetryTopic>(&*topic) : nullptr;
  if (!telemetry || telemetry->sender != owner)
    return make_error(fmt::format("its topic '{}' is not its own telemetry topic", will.topic));
  Message message;
  if (auto s = decode_property_bag(telemetry->bag, message); !s) return make_error("its property bag: " + s.error());
  message.body = will.payload;
  stamp_sender(message, owner);
  message.application.set(std::string(marker), "Will");
  return message;
}

}  // namespace outpost::iothub

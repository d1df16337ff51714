// What a client's telemetry becomes, as IoT Hub and edgeHub decide it: a client publishes
// only as itself, who sent a message comes from the authenticated connection (never from
// its property bag), a message is at most 256 KB as IoT Hub counts it, and a will is the
// client's own telemetry. Shared by the edge hub and the cloud.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "outpost/core/message.h"
#include "outpost/core/result.h"
#include "outpost/iothub/identity.h"
#include "outpost/iothub/topics.h"
#include "outpost/mqtt_codec/packets.h"

namespace outpost::iothub {

enum class TelemetryFault : std::uint8_t { none, another_identity, bad_property_bag, too_large };

struct TelemetryIntake {
  TelemetryFault fault = TelemetryFault::none;
  std::string reason;  // names the fault, for the log and the connection's close reason
  Message message;     // decoded; also when too large (its properties name the output)
  bool ok() const { return fault == TelemetryFault::none; }
};

// Who marks DUP: edgeHub adds mqtt-dup=true, IoT Hub does not. Both add mqtt-retain=true.
enum class DupMarking : std::uint8_t { ignore, mark };

// The message a PUBLISH on `topic` carries from `publisher` (its payload is moved out).
TelemetryIntake take_telemetry(const TelemetryTopic& topic, const Identity& publisher, mqtt::PublishPacket& packet,
                               DupMarking dup);

// Sets connectionDeviceId/connectionModuleId to `sender`, whatever the message claimed.
void stamp_sender(Message& message, const Identity& sender);

// The application property that marks a will: IoT Hub's and edgeHub's names.
inline constexpr std::string_view kIotHubWillMarker = "iothub-MessageType";
inline constexpr std::string_view kEdgeHubWillMarker = "MessageType";

// The telemetry `owner`'s will becomes (sent when its connection ends in error, see
// mqtt::ended_in_error); an error when its topic is not owner's own telemetry topic.
Result<Message> will_message(const mqtt::Will& will, const Identity& owner, std::string_view marker);

}  // namespace outpost::iothub

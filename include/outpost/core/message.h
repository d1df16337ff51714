// The message model shared by the hub, the store, routing and the cloud: body bytes,
// system properties (edgeHub's internal names) and application properties, both in
// the order they arrived.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace outpost {

struct Property {
  std::string name;
  std::optional<std::string> value;  // nullopt: present with a null value (bare key in a bag)
  bool operator==(const Property&) const = default;
};

// A small ordered map: messages carry a handful of properties, order matters for
// faithful re-encoding, and a vector beats a tree at this size.
class PropertyList {
 public:
  const Property* find(std::string_view name) const;
  std::optional<std::string> get(std::string_view name) const;  // nullopt if absent or null
  bool contains(std::string_view name) const { return find(name) != nullptr; }
  void set(std::string name, std::optional<std::string> value);  // replaces or appends
  bool erase(std::string_view name);
  void append(std::string name, std::optional<std::string> value) {
    items_.push_back({std::move(name), std::move(value)});
  }

  std::size_t size() const { return items_.size(); }
  void reserve(std::size_t n) { items_.reserve(n); }
  bool empty() const { return items_.empty(); }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }
  void clear() { items_.clear(); }
  bool operator==(const PropertyList&) const = default;

 private:
  std::vector<Property> items_;
};

// System property names, as edgeHub names them internally (SystemProperties.cs).
namespace sysprop {
inline constexpr std::string_view kMessageId = "messageId";
inline constexpr std::string_view kCorrelationId = "cid";
inline constexpr std::string_view kUserId = "userId";
inline constexpr std::string_view kTo = "to";
inline constexpr std::string_view kContentType = "contentType";
inline constexpr std::string_view kContentEncoding = "contentEncoding";
inline constexpr std::string_view kExpiryTime = "absolute-expiry-time";
inline constexpr std::string_view kCreationTime = "creationTime";
inline constexpr std::string_view kMessageSchema = "messageSchema";
inline constexpr std::string_view kOutputName = "outputName";
inline constexpr std::string_view kInputName = "inputName";
inline constexpr std::string_view kInterfaceId = "iothub-interface-id";
inline constexpr std::string_view kComponent = "dt-subject";
inline constexpr std::string_view kOperation = "operation";
inline constexpr std::string_view kAck = "ack";
inline constexpr std::string_view kConnectionDeviceId = "connectionDeviceId";
inline constexpr std::string_view kConnectionModuleId = "connectionModuleId";
inline constexpr std::string_view kEdgeMessageId = "edgeMessageId";
inline constexpr std::string_view kEdgeHubOriginInterface = "edgeHubOriginInterface";
inline constexpr std::string_view kModelId = "modelId";
inline constexpr std::string_view kEnqueuedTime = "enqueuedTime";
inline constexpr std::string_view kMessageType = "messageType";
// Outpost's own: the plain MQTT topic a message was published on (docs/HUB.md, "Plain MQTT").
// Routing gives such a message the source /topics/{topic}; no client can set it.
inline constexpr std::string_view kMqttTopic = "mqtt-topic";
}  // namespace sysprop

struct Message {
  std::string body;
  PropertyList system;
  PropertyList application;

  // IoT Hub's size rule, as edgeHub counts it: body + sum(len(key) + len(value)) over
  // all system and application properties.
  std::size_t counted_size() const;
  bool operator==(const Message&) const = default;
};

inline constexpr std::size_t kMaxMessageSize = 256 * 1024;

}  // namespace outpost

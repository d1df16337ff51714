// Sends a persistent plain MQTT session's queued QoS 1/2 messages to its connection: a window
// of them in flight, oldest first, each removed from the store when the client acknowledged it
// (PUBACK, or PUBCOMP for QoS 2). On reconnect a fresh delivery starts again from the queue's
// head, so what was in flight and unacknowledged is sent again (at least once, as for modules).
//
// Messages are stored with their topic and publish QoS (plain_message()) and MQTT 5 properties
// (plain_properties.h); each goes out at the QoS the session's subscriptions give it now
// (PlainSession::qos_for), at least 1, with what is left of its expiry — or not at all, once
// that ran out.
// Threading: the hub's loop only.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "outpost/core/message.h"
#include "outpost/metrics/registry.h"
#include "outpost/mqtt/server.h"
#include "outpost/store/message_store.h"

namespace outpost::hub {

class PlainBroker;

// Delivery tags of plain sessions carry this bit; ModuleDelivery's never do.
inline constexpr std::uint64_t kPlainDeliveryTag = std::uint64_t{1} << 62;

// A plain publish as the store keeps it, and its topic and QoS back (nullopt: not one).
Message plain_message(std::string_view topic, std::string_view payload, std::uint8_t qos);
std::optional<std::string_view> plain_message_topic(const Message& message);
std::uint8_t plain_message_qos(const Message& message);

class PlainSessionDelivery {
 public:
  // `expired`: counts the queued messages whose MQTT 5 Message Expiry ran out before they
  // could be sent (they are acknowledged in the store, not sent).
  PlainSessionDelivery(store::MessageStore& store, PlainBroker& broker, std::uint64_t session,
                       std::weak_ptr<mqtt::Connection> connection, std::size_t window, metrics::Counter& expired);

  // Sends what the window allows.
  void pump();
  // The client acknowledged the delivery carrying `tag`; false if it is not one of ours.
  bool delivered(std::uint64_t tag);
  std::size_t in_flight() const { return in_flight_.size(); }

 private:
  store::MessageStore& store_;
  PlainBroker& broker_;
  std::uint64_t session_;  // looked up at each pump: the session may end while this lives
  std::weak_ptr<mqtt::Connection> connection_;
  std::size_t window_;
  metrics::Counter& expired_;
  store::Sequence cursor_ = 0;  // last seq sent
  std::unordered_map<std::uint64_t, store::Sequence> in_flight_;  // by tag
  std::uint64_t next_tag_ = 1;
};

}  // namespace outpost::hub

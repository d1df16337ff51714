#include "plain_session_delivery.h"

#include <algorithm>
#include <charconv>

#include "plain_broker.h"
#include "plain_properties.h"

namespace outpost::hub {

namespace {
// System properties of a stored plain publish (never sent anywhere: plain topics are not routed).
constexpr std::string_view kTopic = sysprop::kMqttTopic;
constexpr std::string_view kQos = "mqtt-qos";
}  // namespace

Message plain_message(std::string_view topic, std::string_view payload, std::uint8_t qos) {
  Message m;
  m.body.assign(payload);
  m.system.reserve(2);
  m.system.append(std::string(kTopic), std::string(topic));
  m.system.append(std::string(kQos), std::string(1, static_cast<char>('0' + qos)));
  return m;
}

std::optional<std::string_view> plain_message_topic(const Message& message) {
  const auto* topic = message.system.find(kTopic);
  if (!topic || !topic->value) return std::nullopt;
  return std::string_view(*topic->value);
}

std::uint8_t plain_message_qos(const Message& message) {
  const auto* qos = message.system.find(kQos);
  if (!qos || !qos->value || qos->value->size() != 1) return 1;
  const char c = (*qos->value)[0];
  return c == '0' ? 0 : c == '2' ? 2 : 1;
}

PlainSessionDelivery::PlainSessionDelivery(store::MessageStore& store, PlainBroker& broker, std::uint64_t session,
                                           std::weak_ptr<mqtt::Connection> connection, std::size_t window,
                                           metrics::Counter& expired)
    : store_(store),
      broker_(broker),
      session_(session),
      connection_(std::move(connection)),
      window_(window),
      expired_(expired) {}

void PlainSessionDelivery::pump() {
  const auto* session = broker_.session(session_);
  auto connection = connection_.lock();
  if (!session || !connection || !connection->open()) return;
  while (in_flight_.size() < window_) {
    const auto batch = store_.read(session->queue, cursor_, window_ - in_flight_.size());
    if (batch.empty()) return;
    for (const auto& entry : batch) {
      cursor_ = entry.seq;
      const auto& message = *entry.message;
      const auto topic = plain_message_topic(message);
      if (!topic) {  // not written by this hub: nothing to send it as
        store_.ack(session->queue, entry.seq);
        continue;
      }
      const auto properties = from_message(message);
      const auto now = unix_now_ms();
      if (properties.expired(now)) {
        store_.ack(session->queue, entry.seq);
        expired_.inc();
        continue;
      }
      const auto published_qos = plain_message_qos(message);
      const auto qos = std::max<std::uint8_t>(1, session->qos_for(*topic, published_qos).value_or(published_qos));
      const auto tag = kPlainDeliveryTag | next_tag_++;
      in_flight_.emplace(tag, entry.seq);
      if (connection->protocol_level() >= mqtt::kMqtt5 && (!properties.empty() || session->with_ids > 0)) {
        const auto sent = delivery_properties(properties, now, session->subscription_ids_for(*topic));
        connection->publish(*topic, message.body, qos, tag, false, false, &sent);
      } else {
        connection->publish(*topic, message.body, qos, tag);
      }
      if (!connection->open()) return;  // closed by that write (too slow): the session resumes later
    }
  }
}

bool PlainSessionDelivery::delivered(std::uint64_t tag) {
  const auto it = in_flight_.find(tag);
  if (it == in_flight_.end()) return false;
  const auto seq = it->second;
  in_flight_.erase(it);
  if (const auto* session = broker_.session(session_)) store_.ack(session->queue, seq);
  pump();
  return true;
}

}  // namespace outpost::hub

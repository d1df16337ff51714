// EdgeHub: durable retained messages on plain topics (docs/HUB.md, "Plain MQTT"). Beside the
// in-memory RetainedMessages, each retained publish is appended to the store queue
// "mqtt-retained" (in the same append as its deliveries to persistent sessions, so the
// publisher's PUBACK follows both), and the record it replaces is acknowledged. A clearing (an
// empty retained payload) is appended too, as a tombstone, and acknowledged with the record it
// clears. At start the queue is read oldest first and the last record of each topic wins, so
// an acknowledgement lost in a crash (they are written lazily) changes nothing.
#include <map>
#include <utility>

#include <spdlog/spdlog.h>

#include "edge_hub.h"
#include "plain_properties.h"
#include "plain_session_delivery.h"

namespace outpost::hub {

namespace {
constexpr std::string_view kRetainedQueue = "mqtt-retained";
}

store::QueueId EdgeHub::retained_queue() {
  if (!retained_queue_) retained_queue_ = store_.queue(kRetainedQueue);
  return *retained_queue_;
}

void EdgeHub::restore_retained() {
  for (const auto& q : store_.stats())
    if (q.name == kRetainedQueue) retained_queue_ = q.id;
  if (!retained_queue_) return;  // never used: no queue made for nothing
  const auto queue = *retained_queue_;
  // Oldest first: a later record of a topic replaces (and acknowledges) an earlier one.
  std::map<std::string, std::pair<store::Sequence, std::shared_ptr<const Message>>, std::less<>> last;
  store::Sequence after = 0;
  for (;;) {
    const auto batch = store_.read(queue, after, 1024);
    if (batch.empty()) break;
    for (const auto& entry : batch) {
      after = entry.seq;
      const auto topic = plain_message_topic(*entry.message);
      if (!topic) {
        store_.ack(queue, entry.seq);
        continue;
      }
      auto [it, inserted] = last.try_emplace(std::string(*topic), entry.seq, entry.message);
      if (inserted) continue;
      store_.ack(queue, it->second.first);
      it->second = {entry.seq, entry.message};
    }
  }
  std::size_t restored = 0, refused = 0;
  for (const auto& [topic, record] : last) {
    const auto& [seq, message] = record;
    if (message->body.empty()) {  // a tombstone: the topic was cleared
      store_.ack(queue, seq);
      continue;
    }
    auto properties = from_message(*message);
    if (properties.expired(unix_now_ms())) {  // its MQTT 5 Message Expiry ran out meanwhile
      store_.ack(queue, seq);
      continue;
    }
    if (!plain_.retain(topic, message->body, plain_message_qos(*message),
                       properties.empty() ? nullptr : std::make_shared<const PlainProperties>(std::move(properties)))) {
      ++refused;  // the caps were lowered since
      store_.ack(queue, seq);
      continue;
    }
    retained_seqs_[topic] = seq;
    ++restored;
  }
  if (refused > 0) {
    spdlog::warn("hub: {} stored retained messages dropped: past max_retained_messages or max_retained_bytes", refused);
    metrics_.plain_refused("retain", "retained_limit").inc(static_cast<double>(refused));
  }
  if (restored > 0) spdlog::info("hub: {} retained messages restored", restored);
}

bool EdgeHub::retained_needs_storing(std::string_view topic, bool clearing) const {
  // A clearing of a topic with no record needs none, unless publishes wait for store space
  // (parked_, in order): one of them may be a record of this topic.
  if (!clearing) return true;
  return !parked_.empty() || retained_seqs_.find(std::string(topic)) != retained_seqs_.end();
}

void EdgeHub::retained_stored(const Message& message, store::Sequence seq) {
  const auto topic = plain_message_topic(message);
  if (!topic) return;
  auto it = retained_seqs_.find(std::string(*topic));
  if (it != retained_seqs_.end()) store_.ack(retained_queue(), it->second);  // replaced or cleared
  if (message.body.empty()) {
    store_.ack(retained_queue(), seq);  // after the record it clears: a crash keeps both or neither
    if (it != retained_seqs_.end()) retained_seqs_.erase(it);
    return;
  }
  if (it == retained_seqs_.end()) it = retained_seqs_.emplace(std::string(*topic), seq).first;
  it->second = seq;
}

}  // namespace outpost::hub

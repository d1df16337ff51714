#include "c2d_queue.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "outpost/core/crypto.h"

namespace outpost::cloud {

C2dQueue::C2dQueue(CloudDatabase& storage, CloudMetrics& metrics, C2dSettings settings, const Clock& clock)
    : storage_(storage), metrics_(metrics), settings_(settings), clock_(clock) {}

Outcome<std::string> C2dQueue::enqueue(const std::string& device_id, Message message,
                                       std::optional<std::int64_t> expiry_ms) {
  if (!storage_.get_device(device_id)) return device_not_found(device_id);
  if (storage_.count_c2d(device_id) >= settings_.max_queue_depth)
    return CloudError{403, "DeviceMaximumQueueDepthExceeded",
                      fmt::format("device '{}' already has {} cloud-to-device messages waiting", device_id,
                                  settings_.max_queue_depth)};
  auto id = message.system.get(sysprop::kMessageId);
  if (!id) {
    id = random_uuid();
    message.system.set(std::string(sysprop::kMessageId), *id);
  }
  message.system.set(std::string(sysprop::kTo), fmt::format("/devices/{}/messages/devicebound", device_id));
  C2dRecord record;
  record.device_id = device_id;
  record.message = std::move(message);
  record.enqueued_ms = clock_.unix_millis();
  record.expiry_ms = expiry_ms.value_or(record.enqueued_ms + settings_.default_ttl.count() * 1000);
  if (record.expiry_ms <= record.enqueued_ms) return bad_request("the message expires before it is sent");
  storage_.enqueue_c2d(record);
  metrics_.c2d("enqueued").inc();
  if (on_enqueued) on_enqueued(device_id);
  return *id;
}

std::vector<C2dRecord> C2dQueue::next(const std::string& device_id, std::int64_t after_seq, std::size_t limit) {
  return storage_.pending_c2d(device_id, clock_.unix_millis(), limit, after_seq);
}

void C2dQueue::sent(const C2dRecord& record) {
  storage_.count_c2d_delivery(record.seq);
  metrics_.c2d("delivered").inc();
  auto ack = record.message.system.get(sysprop::kAck);
  if (ack && *ack != "none") {
    if (feedback_wanted_.size() >= 100000) feedback_wanted_.erase(feedback_wanted_.begin());
    feedback_wanted_[record.seq] = {record.device_id, record.message.system.get(sysprop::kMessageId).value_or(""),
                                    std::move(ack)};
  }
}

void C2dQueue::completed(std::int64_t seq) {
  if (storage_.complete_c2d(seq) == DbResult::ok) metrics_.c2d("completed").inc();
  const auto wanted = feedback_wanted_.find(seq);
  if (wanted == feedback_wanted_.end()) return;
  if (on_feedback) on_feedback(wanted->second.device_id, wanted->second.message_id, wanted->second.ack);
  feedback_wanted_.erase(wanted);
}

std::size_t C2dQueue::purge() {
  const auto n = storage_.purge_c2d(clock_.unix_millis(), settings_.max_deliveries);
  if (n > 0) {
    metrics_.c2d("expired").inc(static_cast<double>(n));
    spdlog::info("cloud: {} cloud-to-device messages expired or were delivered {} times without a PUBACK; dropped",
                 n, settings_.max_deliveries);
  }
  return n;
}

}  // namespace outpost::cloud

// Cloud-to-device messages: queued per device in the storage with a time to live, sent
// over MQTT while the device (or an edge hub on its behalf) is subscribed to
// devices/{d}/messages/devicebound/#, completed (deleted) by the device's PUBACK.
// Messages that expire, or that were sent max_deliveries times without a PUBACK, are
// purged and counted. Runs on the event loop's thread.
#pragma once
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cloud_metrics.h"
#include "outcome.h"
#include "cloud_database.h"
#include "outpost/core/clock.h"
#include "outpost/core/message.h"

namespace outpost::cloud {

struct C2dSettings {
  std::chrono::seconds default_ttl{3600};  // IoT Hub's default
  int max_deliveries = 10;                 // IoT Hub's default maxDeliveryCount
  std::size_t max_queue_depth = 50;        // per device, as IoT Hub
};

class C2dQueue {
 public:
  C2dQueue(CloudDatabase& storage, CloudMetrics& metrics, C2dSettings settings, const Clock& clock = SystemClock::instance());

  // Queues a message for a device; returns its message id (generated when absent).
  // `expiry_ms` overrides the default TTL. 404 for an unknown device, 403 when full.
  Outcome<std::string> enqueue(const std::string& device_id, Message message, std::optional<std::int64_t> expiry_ms);
  std::vector<C2dRecord> next(const std::string& device_id, std::int64_t after_seq, std::size_t limit);
  void sent(const C2dRecord& record);  // counts a delivery attempt
  void completed(std::int64_t seq);    // the device acknowledged it
  std::size_t purge();               // expired and over-delivered messages; returns how many

  std::function<void(const std::string& device_id)> on_enqueued;
  // A completed message that asked for feedback (its `ack`): device, message id, ack.
  std::function<void(const std::string&, const std::string&, const std::optional<std::string>&)> on_feedback;

 private:
  struct FeedbackWanted {
    std::string device_id;
    std::string message_id;
    std::optional<std::string> ack;
  };
  // Sent messages that asked for feedback, until completed (bounded: purged ones leave here
  // only when it is full).
  std::map<std::int64_t, FeedbackWanted> feedback_wanted_;
  CloudDatabase& storage_;
  CloudMetrics& metrics_;
  C2dSettings settings_;
  const Clock& clock_;
};

}  // namespace outpost::cloud

// Cloud-to-device feedback (IoT Hub's /messages/serviceBound/feedback): when a device
// completes a message that asked for it (`iothub-ack` / `ack`: "full" or "positive"), a record
// {originalMessageId, deviceId, deviceGenerationId, enqueuedTimeUtc, statusCode, description}
// waits here until a service client takes it. Kept in memory, the newest 10,000; the oldest
// beyond that are dropped and counted (docs/CLOUD.md, "AMQP").
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>

#include "cloud_metrics.h"
#include "outpost/core/clock.h"

namespace outpost::cloud {

class C2dFeedback {
 public:
  explicit C2dFeedback(CloudMetrics& metrics, const Clock& clock = SystemClock::instance(), std::size_t capacity = 10000)
      : metrics_(metrics), clock_(clock), capacity_(capacity) {}

  // A completed message: recorded when its ack asked for positive feedback.
  void completed(const std::string& device_id, const std::string& message_id, const std::optional<std::string>& ack);

  struct Batch {
    std::uint64_t id = 0;  // the last record's sequence number
    std::string body;      // a JSON array of records
  };
  // The oldest records (up to `max`), not removed until done(id).
  std::optional<Batch> next(std::size_t max = 64) const;
  void done(std::uint64_t id);  // removes the records up to and including `id`
  std::size_t size() const { return records_.size(); }

  std::function<void()> on_added;

 private:
  struct Record {
    std::uint64_t seq;
    std::string json;
  };
  CloudMetrics& metrics_;
  const Clock& clock_;
  std::size_t capacity_;
  std::deque<Record> records_;
  std::uint64_t next_seq_ = 1;
};

}  // namespace outpost::cloud

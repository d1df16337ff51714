#include "c2d_feedback.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace outpost::cloud {

void C2dFeedback::completed(const std::string& device_id, const std::string& message_id,
                            const std::optional<std::string>& ack) {
  if (!ack || (*ack != "full" && *ack != "positive")) return;
  if (records_.size() >= capacity_) {
    records_.pop_front();
    metrics_.c2d("feedback_dropped").inc();
    spdlog::warn("cloud: {} C2D feedback records wait for a service client; dropped the oldest", capacity_);
  }
  const nlohmann::json record{{"originalMessageId", message_id},
                              {"deviceGenerationId", ""},
                              {"deviceId", device_id},
                              {"enqueuedTimeUtc", format_iso8601(clock_.now())},
                              {"statusCode", "Success"},
                              {"description", "Success"}};
  records_.push_back({next_seq_++, record.dump()});
  metrics_.c2d("feedback").inc();
  if (on_added) on_added();
}

std::optional<C2dFeedback::Batch> C2dFeedback::next(std::size_t max) const {
  if (records_.empty()) return std::nullopt;
  Batch batch;
  batch.body = "[";
  for (std::size_t i = 0; i < records_.size() && i < max; ++i) {
    if (i > 0) batch.body += ',';
    batch.body += records_[i].json;
    batch.id = records_[i].seq;
  }
  batch.body += ']';
  return batch;
}

void C2dFeedback::done(std::uint64_t id) {
  while (!records_.empty() && records_.front().seq <= id) records_.pop_front();
}

}  // namespace outpost::cloud

#include "amqp_service.h"

#include <spdlog/spdlog.h>

#include "outpost/core/clock.h"

namespace outpost::cloud {

bool AmqpService::authorize_service(const std::string& audience, const std::string& token) {
  // The token's own scope decides what it reaches; a connection needs one for the whole hub.
  const auto policy = auth_.authorize(token, rights::kServiceConnect, audience);
  if (!policy) spdlog::warn("cloud: AMQP service token refused: {}", policy.error().message);
  return policy.ok();
}

std::optional<amqp::ServiceHandler::Refusal> AmqpService::send_c2d(const std::string& device_id, Message message) {
  std::optional<std::int64_t> expiry_ms;
  if (const auto expiry = message.system.get(sysprop::kExpiryTime)) {
    expiry_ms = parse_iso8601_ms(*expiry);
    if (!expiry_ms) return Refusal{"amqp:invalid-field", "absolute-expiry-time '" + *expiry + "' is not a time"};
  }
  const auto queued = c2d_.enqueue(device_id, std::move(message), expiry_ms);
  if (queued) return std::nullopt;
  const auto& error = queued.error();
  // The conditions the service SDKs turn into their errors (azure-iothub amqp_service_errors).
  if (error.status == 404) return Refusal{"amqp:not-found", error.message};
  if (error.status == 403) return Refusal{"amqp:resource-limit-exceeded", error.message};
  return Refusal{"amqp:invalid-field", error.message};
}

std::optional<amqp::ServiceHandler::FeedbackBatch> AmqpService::next_feedback() {
  const auto batch = feedback_.next();
  if (!batch) return std::nullopt;
  return FeedbackBatch{batch->id, batch->body};
}

}  // namespace outpost::cloud

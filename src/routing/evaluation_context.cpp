#include "evaluation_context.h"

#include "body_query.h"

namespace outpost::routing::detail {

const nlohmann::json* EvaluationContext::body() {
  if (body_state_ == BodyState::not_parsed) {
    auto parsed = parse_message_body(message_);
    if (parsed) {
      body_ = std::move(*parsed);
      body_state_ = BodyState::parsed;
    } else {
      body_state_ = BodyState::unusable;
    }
  }
  return body_state_ == BodyState::parsed ? &body_ : nullptr;
}

}  // namespace outpost::routing::detail

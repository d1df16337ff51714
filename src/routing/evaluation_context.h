// Per-message state shared by every route that evaluates one message: the body, parsed as
// JSON at most once and only if some route asks for $body, and an arena for the strings that
// builtins compute (concat, lower, ...). Lives on the stack of one RouteTable::match() call.
#pragma once
#include <cstdint>
#include <forward_list>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "outpost/core/message.h"

namespace outpost::routing::detail {

class EvaluationContext {
 public:
  explicit EvaluationContext(const Message& message) : message_(message) {}
  EvaluationContext(const EvaluationContext&) = delete;
  EvaluationContext& operator=(const EvaluationContext&) = delete;

  const Message& message() const { return message_; }

  // The body as a JSON object when $body queries may read it (see body_query.h); nullptr
  // when they are undefined for this message. Parsed on first call.
  const nlohmann::json* body();

  // Keeps a computed string alive until the context ends; the view stays valid.
  std::string_view keep(std::string text) {
    strings_.push_front(std::move(text));
    return strings_.front();
  }

 private:
  enum class BodyState : std::uint8_t { not_parsed, unusable, parsed };

  const Message& message_;
  BodyState body_state_ = BodyState::not_parsed;
  nlohmann::json body_;                    // null (no allocation) until parsed
  std::forward_list<std::string> strings_;  // nodes never move, so views stay valid
};

}  // namespace outpost::routing::detail

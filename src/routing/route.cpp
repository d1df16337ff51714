#include "outpost/routing/route.h"

#include "ast.h"
#include "evaluation_context.h"
#include "evaluator.h"
#include "parser.h"
#include "type_check.h"

namespace outpost::routing {

CompiledRoute::CompiledRoute(std::string name, std::string text, std::string source_path, Endpoint endpoint,
                             std::shared_ptr<const detail::Condition> condition)
    : name_(std::move(name)),
      text_(std::move(text)),
      source_path_(std::move(source_path)),
      source_(source_path_),
      endpoint_(std::move(endpoint)),
      condition_(std::move(condition)) {}

bool CompiledRoute::uses_body() const { return condition_ && condition_->uses_body; }

Truth CompiledRoute::evaluate(detail::EvaluationContext& context) const {
  if (!condition_) return Truth::true_;
  return detail::to_truth(detail::evaluate(*condition_, context));
}

Truth CompiledRoute::evaluate(const Message& message) const {
  detail::EvaluationContext context(message);
  return evaluate(context);
}

bool CompiledRoute::matches(const Message& message) const {
  return source_.matches(message) && evaluate(message) == Truth::true_;
}

Result<CompiledRoute> compile_route(std::string_view name, std::string_view text) {
  auto parsed = detail::parse_route(name, text);
  if (!parsed) return Error{parsed.error()};
  std::shared_ptr<detail::Condition> condition;
  if (parsed->condition.root >= 0) {
    condition = std::make_shared<detail::Condition>(std::move(parsed->condition));
    if (auto typed = detail::type_check(*condition, name, text); !typed) return Error{typed.error()};
  }
  return CompiledRoute(std::string(name), std::string(text), std::move(parsed->source_path),
                       std::move(parsed->endpoint), std::move(condition));
}

Status check_route_syntax(std::string_view name, std::string_view text) {
  auto parsed = detail::parse_route(name, text);
  if (!parsed) return Error{parsed.error()};
  return {};
}

}  // namespace outpost::routing

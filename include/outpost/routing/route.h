// One route, `[SELECT *] FROM path [WHERE condition] INTO sink`, compiled once and then
// evaluated against many messages. The grammar, the type rules and the differences from
// edgeHub are in src/routing/README.md.
//
//   auto route = compile_route("alerts", "FROM /messages/* WHERE as_number(temp) > 30 INTO $upstream");
//   if (!route) log(route.error());  // "route 'alerts': column 42: ..." on bad input
//   else if (route->matches(message)) enqueue(route->endpoint());
//
// A CompiledRoute is immutable and cheap to copy (the condition is shared); evaluating it is
// thread-safe.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "outpost/core/message.h"
#include "outpost/core/result.h"
#include "outpost/routing/endpoint.h"
#include "outpost/routing/message_source.h"

namespace outpost::routing {

// A condition's three-valued outcome. A route fires only on true_.
enum class Truth : std::int8_t { false_ = -1, undefined = 0, true_ = 1 };

namespace detail {
struct Condition;  // the typed syntax tree (src/routing/ast.h)
class EvaluationContext;
}  // namespace detail

class CompiledRoute {
 public:
  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }
  // The FROM path as written, without whitespace, e.g. "/messages/modules/A/*".
  const std::string& source_path() const { return source_path_; }
  const SourceFilter& source() const { return source_; }
  const Endpoint& endpoint() const { return endpoint_; }
  bool has_condition() const { return condition_ != nullptr; }
  bool uses_body() const;  // the condition reads $body

  // The WHERE condition alone (true_ when there is none).
  Truth evaluate(const Message& message) const;
  // FROM and WHERE: the route fires for this message.
  bool matches(const Message& message) const;

  // For RouteTable: evaluation with a per-message context shared by all routes (the body
  // is parsed at most once).
  Truth evaluate(detail::EvaluationContext& context) const;

 private:
  friend Result<CompiledRoute> compile_route(std::string_view name, std::string_view text);
  CompiledRoute(std::string name, std::string text, std::string source_path, Endpoint endpoint,
                std::shared_ptr<const detail::Condition> condition);

  std::string name_;
  std::string text_;
  std::string source_path_;
  SourceFilter source_;
  Endpoint endpoint_;
  std::shared_ptr<const detail::Condition> condition_;  // null: no WHERE
};

// Parses and type-checks a route. Errors name the route, the 1-based column (and line, for
// multi-line text) and what is wrong, e.g.
//   route 'r1': column 27: unknown function 'foo'
//   route 'r1': column 33: operator '>' cannot compare string with number (...)
Result<CompiledRoute> compile_route(std::string_view name, std::string_view text);

// Syntax only: the grammar, sink, known function names and their arities, but no type
// check. This is what edgeHub checks when it accepts a desired-properties update (it
// type-checks later, when the router compiles the route), and what the fixture file
// routes.txt was validated against.
Status check_route_syntax(std::string_view name, std::string_view text);

}  // namespace outpost::routing

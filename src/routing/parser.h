// Recursive-descent parser for routes (edgeHub's Route.g4 and Condition.g4):
//
//   route   := [SELECT '*'] FROM path [WHERE expr] INTO sink <end>
//   path    := ('/' segment)+            segment: an ID or '*' (and, leniently, a number or
//                                        a word that lexes as a keyword, e.g. /modules/123)
//   sink    := $upstream | BrokeredEndpoint '(' STRING ')'     (both case-insensitive)
//   expr    := precedence climbing over, from loosest to tightest:
//              ??  <  OR  <  AND  <  = != <>  <  < <= > >=  <  + - ||  <  * / %  <  unary - NOT
//   primary := literal | SYS_PROP | ID | '{' SYS_PROP '}' | ID '(' [expr (',' expr)*] ')' | '(' expr ')'
//
// Binary operators are left-associative. Prefix operators bind tighter than any binary
// operator, as in the ANTLR grammar: `NOT a = b` is `(NOT a) = b`.
//
// The parser resolves function names and checks arities, validates $body paths and the
// sink; types are checked afterwards (type_check.h).
#pragma once
#include <string>
#include <string_view>

#include "outpost/core/result.h"
#include "outpost/routing/endpoint.h"
#include "routing/ast.h"

namespace outpost::routing::detail {

struct ParsedRoute {
  std::string source_path;  // FROM path, tokens joined without whitespace
  Endpoint endpoint;
  Condition condition;      // root == -1: no WHERE
};

// Nesting deeper than this is refused, so evaluation can recurse safely.
inline constexpr int kMaxConditionDepth = 128;

Result<ParsedRoute> parse_route(std::string_view route_name, std::string_view text);

}  // namespace outpost::routing::detail

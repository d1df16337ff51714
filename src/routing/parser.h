// Recursive-descent parser for routes (edgeHub's Route.g4 and Condition.g4):
//
//   route   := [SELECT '*'] FROM path [WHERE expr] INTO sink <end>
//   path    := ('/' segment)+            segment: an ID or '*' (and, leniently, a number or
//                                        a word that lexes as a keyword, e.g. /modules/123)
//   sink    := $upstream | BrokeredEndpoint '(' STRING ')'     (both case-insensitive)
//   expr    := see condition_parser.h
//
// Also validates the sink address; types are checked afterwards (type_check.h).
#pragma once
#include <string>
#include <string_view>

#include "outpost/core/result.h"
#include "outpost/routing/endpoint.h"
#include "ast.h"

namespace outpost::routing::detail {

struct ParsedRoute {
  std::string source_path;  // FROM path, tokens joined without whitespace
  Endpoint endpoint;
  Condition condition;      // root == -1: no WHERE
};

Result<ParsedRoute> parse_route(std::string_view route_name, std::string_view text);

}  // namespace outpost::routing::detail

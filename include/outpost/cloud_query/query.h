// The IoT Hub query language (see query_ast.h for the subset): parsing, and evaluation
// over twin documents. The same condition evaluator answers POST /devices/query and
// decides which devices a configuration's targetCondition selects.
#pragma once
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "outpost/cloud_query/query_ast.h"
#include "outpost/core/result.h"

namespace outpost::cloud::query {

inline constexpr std::size_t kMaxQueryLength = 8192;  // IoT Hub caps queries at 8 KB
inline constexpr int kMaxDepth = 64;                   // nesting of parentheses and NOTs

// "SELECT ... FROM devices[.modules] [WHERE ...] [GROUP BY ...]". Errors name the offset.
Result<Query> parse_query(std::string_view text);
// A bare condition (a configuration's targetCondition). "*" selects every device.
Result<ExprPtr> parse_condition(std::string_view text);

// Three-valued: true, false or undefined (missing property, type mismatch) — only true selects.
enum class Truth { false_, true_, undefined };
Truth evaluate(const Expr& condition, const nlohmann::json& document);
inline bool matches(const Expr* condition, const nlohmann::json& document) {
  return condition == nullptr || evaluate(*condition, document) == Truth::true_;
}

// Runs a parsed query over documents (already chosen by `query.modules`): filter, then
// project (SELECT *, fields, COUNT(), GROUP BY). Returns the result rows.
std::vector<nlohmann::json> run(const Query& query, const std::vector<nlohmann::json>& documents);

}  // namespace outpost::cloud::query

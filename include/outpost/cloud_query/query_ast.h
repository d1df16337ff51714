// The IoT Hub query language subset outpost-cloud understands, as a tree:
//   SELECT * | COUNT() [AS a] | path [AS a], ...  FROM devices | devices.modules
//   [WHERE condition]  [GROUP BY path, ...]
// Conditions (also a configuration's targetCondition): comparisons (= != <> < <= > >=),
// [NOT] IN (...), AND, OR, NOT, parentheses, literals ('s', "s", numbers, true, false,
// null), dotted paths into the twin document (tags.x, properties.reported.y, deviceId,
// capabilities.iotEdge, tags['odd key']) and functions (IS_DEFINED, IS_NULL, IS_BOOL,
// IS_NUMBER, IS_STRING, IS_OBJECT, IS_ARRAY, IS_PRIMITIVE, STARTSWITH, ENDSWITH,
// CONTAINS, ARRAY_CONTAINS, LOWER, UPPER, LENGTH).
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace outpost::cloud::query {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

enum class Op { eq, ne, lt, le, gt, ge, and_, or_, not_, in, not_in };

struct Expr {
  enum class Kind { literal, path, function, binary, unary, list } kind;
  nlohmann::json literal;             // literal
  std::vector<std::string> path;      // path segments
  std::string function;               // upper-case name
  Op op = Op::eq;                     // binary, unary
  std::vector<ExprPtr> operands;      // binary: 2, unary: 1, function args, list items
};

struct Projection {
  enum class Kind { path, count } kind = Kind::path;
  std::vector<std::string> path;
  std::string alias;  // output field name
};

struct Query {
  bool select_all = false;
  std::vector<Projection> projections;
  bool modules = false;  // FROM devices.modules
  ExprPtr where;         // null: every document
  std::vector<std::vector<std::string>> group_by;
};

}  // namespace outpost::cloud::query

// The syntax tree of a WHERE condition, stored flat: nodes in one vector, children by
// index. The parser builds it, the type checker fills in `type`, the evaluator walks it.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "builtins.h"
#include "static_type.h"
#include "value.h"

namespace outpost::routing::detail {

enum class NodeKind : std::uint8_t {
  literal,          // value_kind + number/boolean/text
  app_property,     // bare ID: application property `text`
  system_property,  // $x: application property "$x" (`shadow`) if present, else system property `text`
  body_query,       // $body.a.b[0]: application property `shadow` if present, else the body
  negate,           // -a
  logical_not,      // NOT a
  binary,           // a op b
  call,             // builtin(args...)
};

enum class BinaryOp : std::uint8_t {
  multiply, divide, modulo,
  add, subtract, concat,
  less, less_equal, greater, greater_equal,
  equal, not_equal,
  logical_and, logical_or,
  coalesce,
};
std::string_view op_spelling(BinaryOp op);

// One step of a $body query: a property name, optionally followed by an array index.
struct BodyPathStep {
  std::string name;
  std::int64_t index = -1;  // -1: no [n]
};

struct Node {
  NodeKind kind = NodeKind::literal;
  Type type = Type::undefined;
  BinaryOp op = BinaryOp::add;
  BuiltinId builtin = BuiltinId::abs;
  ValueKind value_kind = ValueKind::undefined;  // literal
  bool boolean = false;                         // literal
  bool mixed_kinds_compare = false;             // comparison with a dynamic operand
  double number = 0;                            // literal
  std::uint32_t offset = 0;                     // byte offset in the route text, for errors
  std::string text;    // string literal value / property name / system property name
  std::string shadow;  // application property that wins over a system property or body query
  std::vector<BodyPathStep> path;      // body_query
  std::vector<std::int32_t> children;  // operands or call arguments
};

struct Condition {
  std::vector<Node> nodes;
  std::int32_t root = -1;
  bool uses_body = false;
};

}  // namespace outpost::routing::detail

// Evaluates a type-checked condition against one message. Three-valued, as edgeHub:
//   - comparisons and arithmetic with an undefined operand are undefined; a string
//     property that is present with a null value compares as undefined;
//   - comparing a $body value with a value of another kind: '=' is false, '!=' true, and
//     ordering (<, >, ...) undefined;
//   - AND is false if either side is false, else undefined if either is not a bool, else
//     true; OR is true if either side is true, else undefined if either is not a bool, else
//     false; NOT of a non-bool is undefined;
//   - a ?? b is a unless a is undefined;
//   - NaN results (0/0, sqrt(-1)) are undefined.
#pragma once
#include "outpost/routing/route.h"
#include "ast.h"
#include "evaluation_context.h"
#include "value.h"

namespace outpost::routing::detail {

Value evaluate(const Condition& condition, EvaluationContext& context);

inline Truth to_truth(const Value& v) {
  if (v.kind != ValueKind::boolean) return Truth::undefined;
  return v.boolean ? Truth::true_ : Truth::false_;
}

}  // namespace outpost::routing::detail

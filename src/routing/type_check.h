// Compile-time type checking of a condition, with edgeHub's rules (ConditionVisitor):
//   - application and system properties are strings; $body values are dynamic;
//   - arithmetic needs numbers, `||` strings, AND/OR/NOT bools (null and undefined allowed);
//   - comparisons and `??` need operands of the same type, where a dynamic value goes with
//     any concrete type (null, number, string, bool) but not with `undefined`;
//   - builtins check their argument types (builtins.h).
// So `temp > 30` is an error (temp is a string) and `as_number(temp) > 30` is fine. Unlike
// edgeHub, a condition that is a plain string or number (`WHERE temp`) is an error too: it
// could never be true.
#pragma once
#include <string_view>

#include "outpost/core/result.h"
#include "ast.h"

namespace outpost::routing::detail {

// Fills in Node::type (and mixed_kinds_compare); the error names route and column.
Status type_check(Condition& condition, std::string_view route_name, std::string_view text);

}  // namespace outpost::routing::detail

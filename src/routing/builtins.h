// The builtin functions of the condition language (edgeHub's ConditionVisitor.Builtins):
// names (case-insensitive), arities, argument type rules and run-time behaviour.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "outpost/core/result.h"
#include "static_type.h"
#include "value.h"

namespace outpost::routing::detail {

class EvaluationContext;

enum class BuiltinId : std::uint8_t {
  // math
  abs, exp, power, square, ceiling, floor, sign, sqrt,
  // type checking
  as_number, is_bool, is_defined, is_null, is_number, is_string,
  // strings
  concat, length, lower, upper, substring, index_of, starts_with, ends_with, contains,
  // twin change notifications: parsed, never true (see README.md)
  twin_change_includes,
};

inline constexpr std::uint8_t kVariadic = 255;

struct BuiltinInfo {
  BuiltinId id;
  std::string_view name;  // canonical (lower-case) spelling
  std::uint8_t min_args;
  std::uint8_t max_args;  // kVariadic: no upper bound
};

// nullptr when `name` is not a builtin.
const BuiltinInfo* find_builtin(std::string_view name);
const BuiltinInfo& builtin_info(BuiltinId id);
// "takes 1 argument", "takes 2 or 3 arguments", "takes at least 2 arguments"
std::string arity_description(const BuiltinInfo& info);

// The result type, or what is wrong with the argument types (the arity is already right).
Result<Type> check_builtin_arguments(const BuiltinInfo& info, std::span<const Type> args);

Value call_builtin(BuiltinId id, std::span<const Value> args, EvaluationContext& context);

}  // namespace outpost::routing::detail

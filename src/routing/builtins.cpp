#include "builtins.h"

#include <array>
#include <cmath>
#include <fmt/format.h>

#include "evaluation_context.h"
#include "text.h"

namespace outpost::routing::detail {
namespace {

constexpr std::array<BuiltinInfo, 24> kBuiltins{{
    {BuiltinId::abs, "abs", 1, 1},
    {BuiltinId::exp, "exp", 1, 1},
    {BuiltinId::power, "power", 2, 2},
    {BuiltinId::square, "square", 1, 1},
    {BuiltinId::ceiling, "ceiling", 1, 1},
    {BuiltinId::floor, "floor", 1, 1},
    {BuiltinId::sign, "sign", 1, 1},
    {BuiltinId::sqrt, "sqrt", 1, 1},
    {BuiltinId::as_number, "as_number", 1, 1},
    {BuiltinId::is_bool, "is_bool", 1, 1},
    {BuiltinId::is_defined, "is_defined", 1, 1},
    {BuiltinId::is_null, "is_null", 1, 1},
    {BuiltinId::is_number, "is_number", 1, 1},
    {BuiltinId::is_string, "is_string", 1, 1},
    {BuiltinId::concat, "concat", 2, kVariadic},
    {BuiltinId::length, "length", 1, 1},
    {BuiltinId::lower, "lower", 1, 1},
    {BuiltinId::upper, "upper", 1, 1},
    {BuiltinId::substring, "substring", 2, 3},
    {BuiltinId::index_of, "index_of", 2, 2},
    {BuiltinId::starts_with, "starts_with", 2, 2},
    {BuiltinId::ends_with, "ends_with", 2, 2},
    {BuiltinId::contains, "contains", 2, 2},
    {BuiltinId::twin_change_includes, "twin_change_includes", 1, 1},
}};

static_assert(
    [] {
      for (std::size_t i = 0; i < kBuiltins.size(); ++i)
        if (static_cast<std::size_t>(kBuiltins[i].id) != i) return false;
      return true;
    }(),
    "kBuiltins must be in BuiltinId order");

std::string_view expected_signature(BuiltinId id) {
  switch (id) {
    case BuiltinId::power: return "(number, number)";
    case BuiltinId::as_number: return "(string) or (number)";
    case BuiltinId::concat: return "(string, string, ...)";
    case BuiltinId::length:
    case BuiltinId::lower:
    case BuiltinId::upper: return "(string)";
    case BuiltinId::substring: return "(string, number) or (string, number, number)";
    case BuiltinId::index_of:
    case BuiltinId::starts_with:
    case BuiltinId::ends_with:
    case BuiltinId::contains: return "(string, string)";
    default: return "(number)";
  }
}

bool all_accept(std::span<const Type> args, std::initializer_list<Type> params) {
  std::size_t i = 0;
  for (Type p : params) {
    if (i >= args.size() || !accepts(p, args[i])) return false;
    ++i;
  }
  return true;
}

// The math functions take one number; anything else at run time is undefined.
Value unary_math(BuiltinId id, const Value& a) {
  if (a.kind != ValueKind::number) return Value::undefined();
  const double x = a.number;
  switch (id) {
    case BuiltinId::abs: return Value::of(std::fabs(x));
    case BuiltinId::exp: return Value::of(std::exp(x));
    case BuiltinId::square: return Value::of(x * x);
    case BuiltinId::ceiling: return Value::of(std::ceil(x));
    case BuiltinId::floor: return Value::of(std::floor(x));
    case BuiltinId::sign: return Value::of(static_cast<double>((x > 0) - (x < 0)));
    case BuiltinId::sqrt: return Value::of(std::sqrt(x));
    default: return Value::undefined();
  }
}

bool both_strings(std::span<const Value> args) {
  return args[0].kind == ValueKind::string && args[1].kind == ValueKind::string;
}

// .NET's substring rules (edgeHub's Substring.cs), in code points: substring(s, start) needs
// 0 <= start <= length; substring(s, start, n) needs 0 <= start < length and
// 0 <= n <= length - start. Fractions truncate, as the (int) cast does.
Value substring(std::span<const Value> args) {
  if (args[0].kind != ValueKind::string || args[1].kind != ValueKind::number) return Value::undefined();
  const std::string_view s = args[0].string;
  const double length = static_cast<double>(code_point_count(s));
  const double start = args[1].number;
  if (args.size() == 2) {
    if (!(start >= 0 && start <= length)) return Value::undefined();
    return Value::of(s.substr(byte_offset_of_code_point(s, static_cast<std::size_t>(start))));
  }
  if (args[2].kind != ValueKind::number) return Value::undefined();
  const double count = args[2].number;
  if (!(start >= 0 && start < length && count >= 0 && count <= length - start)) return Value::undefined();
  const auto first = static_cast<std::size_t>(start);
  const std::size_t begin = byte_offset_of_code_point(s, first);
  const std::size_t end = byte_offset_of_code_point(s, first + static_cast<std::size_t>(count));
  return Value::of(s.substr(begin, end - begin));
}

}  // namespace

const BuiltinInfo* find_builtin(std::string_view name) {
  for (const auto& info : kBuiltins)
    if (iequals(info.name, name)) return &info;
  return nullptr;
}

const BuiltinInfo& builtin_info(BuiltinId id) { return kBuiltins[static_cast<std::size_t>(id)]; }

std::string arity_description(const BuiltinInfo& info) {
  if (info.max_args == kVariadic) return fmt::format("takes at least {} arguments", info.min_args);
  if (info.min_args == info.max_args)
    return fmt::format("takes {} argument{}", info.min_args, info.min_args == 1 ? "" : "s");
  return fmt::format("takes {} or {} arguments", info.min_args, info.max_args);
}

Result<Type> check_builtin_arguments(const BuiltinInfo& info, std::span<const Type> args) {
  bool ok = false;
  Type result = Type::number;
  switch (info.id) {
    case BuiltinId::abs:
    case BuiltinId::exp:
    case BuiltinId::square:
    case BuiltinId::ceiling:
    case BuiltinId::floor:
    case BuiltinId::sign:
    case BuiltinId::sqrt: ok = all_accept(args, {Type::number}); break;
    case BuiltinId::power: ok = all_accept(args, {Type::number, Type::number}); break;
    case BuiltinId::as_number: ok = accepts(Type::string, args[0]) || args[0] == Type::number; break;
    case BuiltinId::is_bool:
    case BuiltinId::is_defined:
    case BuiltinId::is_null:
    case BuiltinId::is_number:
    case BuiltinId::is_string:
    case BuiltinId::twin_change_includes:
      // edgeHub has a catch-all overload for each: any one argument is fine.
      ok = true;
      result = Type::boolean;
      break;
    case BuiltinId::concat:
      ok = true;
      for (Type t : args) ok = ok && (t == Type::string || t == Type::dynamic);
      result = Type::string;
      break;
    case BuiltinId::length: ok = all_accept(args, {Type::string}); break;
    case BuiltinId::lower:
    case BuiltinId::upper:
      ok = all_accept(args, {Type::string});
      result = Type::string;
      break;
    case BuiltinId::substring:
      ok = all_accept(args, {Type::string, Type::number}) &&
           (args.size() == 2 || accepts(Type::number, args[2]));
      result = Type::string;
      break;
    case BuiltinId::index_of: ok = all_accept(args, {Type::string, Type::string}); break;
    case BuiltinId::starts_with:
    case BuiltinId::ends_with:
    case BuiltinId::contains:
      ok = all_accept(args, {Type::string, Type::string});
      result = Type::boolean;
      break;
  }
  if (ok) return result;
  std::string given;
  for (Type t : args) given += fmt::format("{}{}", given.empty() ? "" : ", ", type_name(t));
  return make_error(fmt::format("function '{}' expects {}, got ({})", info.name,
                                expected_signature(info.id), given));
}

Value call_builtin(BuiltinId id, std::span<const Value> args, EvaluationContext& context) {
  switch (id) {
    case BuiltinId::abs:
    case BuiltinId::exp:
    case BuiltinId::square:
    case BuiltinId::ceiling:
    case BuiltinId::floor:
    case BuiltinId::sign:
    case BuiltinId::sqrt: return unary_math(id, args[0]);
    case BuiltinId::power:
      if (args[0].kind != ValueKind::number || args[1].kind != ValueKind::number) return Value::undefined();
      return Value::of(std::pow(args[0].number, args[1].number));
    case BuiltinId::as_number:
      if (args[0].kind == ValueKind::number) return args[0];
      if (args[0].kind != ValueKind::string) return Value::undefined();
      if (auto n = parse_number(args[0].string)) return Value::of(*n);
      return Value::undefined();
    case BuiltinId::is_bool: return Value::of(args[0].kind == ValueKind::boolean);
    case BuiltinId::is_defined: return Value::of(args[0].is_defined());
    case BuiltinId::is_null: return Value::of(args[0].kind == ValueKind::null);
    case BuiltinId::is_number: return Value::of(args[0].kind == ValueKind::number && std::isfinite(args[0].number));
    case BuiltinId::is_string: return Value::of(args[0].kind == ValueKind::string);
    case BuiltinId::concat: {
      std::size_t size = 0;
      for (const auto& a : args) {
        if (a.kind != ValueKind::string) return Value::undefined();
        size += a.string.size();
      }
      std::string joined;
      joined.reserve(size);
      for (const auto& a : args) joined += a.string;
      return Value::of(context.keep(std::move(joined)));
    }
    case BuiltinId::length:
      if (args[0].kind != ValueKind::string) return Value::undefined();
      return Value::of(static_cast<double>(code_point_count(args[0].string)));
    case BuiltinId::lower:
    case BuiltinId::upper:
      if (args[0].kind != ValueKind::string) return Value::undefined();
      return Value::of(context.keep(id == BuiltinId::lower ? to_lower_ascii(args[0].string)
                                                           : to_upper_ascii(args[0].string)));
    case BuiltinId::substring: return substring(args);
    case BuiltinId::index_of: {
      if (!both_strings(args)) return Value::undefined();
      const auto at = args[0].string.find(args[1].string);
      if (at == std::string_view::npos) return Value::of(-1.0);
      return Value::of(static_cast<double>(code_point_count(args[0].string.substr(0, at))));
    }
    case BuiltinId::starts_with:
      if (!both_strings(args)) return Value::undefined();
      return Value::of(args[0].string.starts_with(args[1].string));
    case BuiltinId::ends_with:
      if (!both_strings(args)) return Value::undefined();
      return Value::of(args[0].string.ends_with(args[1].string));
    case BuiltinId::contains:
      if (!both_strings(args)) return Value::undefined();
      return Value::of(args[0].string.find(args[1].string) != std::string_view::npos);
    case BuiltinId::twin_change_includes: return Value::undefined();
  }
  return Value::undefined();
}

}  // namespace outpost::routing::detail

// Static types of the condition language, as edgeHub's compiler assigns them: application
// and system properties are strings, literals have their own type, and $body values are
// `dynamic` (edgeHub's QueryValue), whose kind is known only at run time.
#pragma once
#include <cstdint>
#include <string_view>

namespace outpost::routing::detail {

enum class Type : std::uint8_t { undefined, null, boolean, number, string, dynamic };

constexpr std::string_view type_name(Type type) {
  switch (type) {
    case Type::undefined: return "undefined";
    case Type::null: return "null";
    case Type::boolean: return "bool";
    case Type::number: return "number";
    case Type::string: return "string";
    case Type::dynamic: return "body value";
  }
  return "?";
}

// edgeHub's Args.Match: a parameter of type `expected` takes an argument of type `given`
// when they are equal, or when one is dynamic and the other a concrete value type
// (null, number, string, bool) -- never undefined.
constexpr bool accepts(Type expected, Type given) {
  auto concrete = [](Type t) {
    return t == Type::null || t == Type::number || t == Type::string || t == Type::boolean;
  };
  return expected == given || (given == Type::dynamic && concrete(expected)) ||
         (expected == Type::dynamic && concrete(given));
}

}  // namespace outpost::routing::detail

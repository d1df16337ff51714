// Runtime values of the condition language. Strings are views: into the message, the
// parsed body, the condition's literals, or the evaluation context's arena (for strings a
// builtin computes), all of which outlive one evaluation. So evaluating a condition copies
// no strings and allocates nothing unless a builtin builds a new string.
#pragma once
#include <cmath>
#include <cstdint>
#include <string_view>

namespace outpost::routing::detail {

enum class ValueKind : std::uint8_t { undefined, null, boolean, number, string };

struct Value {
  ValueKind kind = ValueKind::undefined;
  bool boolean = false;
  double number = 0;
  std::string_view string;

  static Value undefined() { return Value{}; }
  static Value null() { return make(ValueKind::null); }
  static Value of(bool b) {
    Value v = make(ValueKind::boolean);
    v.boolean = b;
    return v;
  }
  // NaN is how edgeHub spells an undefined number (0/0, sqrt(-1), as_number("x")).
  static Value of(double d) {
    if (std::isnan(d)) return Value{};
    Value v = make(ValueKind::number);
    v.number = d;
    return v;
  }
  static Value of(const char*) = delete;  // would silently pick of(bool)
  static Value of(std::string_view s) {
    Value v = make(ValueKind::string);
    v.string = s;
    return v;
  }

  bool is_defined() const { return kind != ValueKind::undefined; }
  bool is_true() const { return kind == ValueKind::boolean && boolean; }
  bool is_false() const { return kind == ValueKind::boolean && !boolean; }

 private:
  static Value make(ValueKind k) {
    Value v;
    v.kind = k;
    return v;
  }
};

}  // namespace outpost::routing::detail

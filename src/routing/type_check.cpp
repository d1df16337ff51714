#include "type_check.h"

#include <fmt/format.h>
#include <optional>
#include <vector>

#include "builtins.h"
#include "diagnostics.h"

namespace outpost::routing::detail {
namespace {

bool is_logical_operand(Type t) {
  return t == Type::boolean || t == Type::null || t == Type::undefined || t == Type::dynamic;
}

std::string_view as_number_hint(Type a, Type b) {
  const bool string_and_number = (a == Type::string && b == Type::number) || (a == Type::number && b == Type::string);
  return string_and_number ? " (application and system properties are strings: convert with as_number())" : "";
}

class TypeChecker {
 public:
  TypeChecker(Condition& condition, std::string_view name, std::string_view text)
      : condition_(condition), name_(name), text_(text) {}

  Status run() {
    if (condition_.root < 0) return {};
    if (!check(condition_.root)) return *error_;
    const Node& root = node(condition_.root);
    if (root.type == Type::string || root.type == Type::number)
      return route_error(name_, text_, root.offset,
                         fmt::format("the condition must be a bool, but this is a {}", type_name(root.type)));
    return {};
  }

 private:
  Node& node(std::int32_t i) { return condition_.nodes[static_cast<std::size_t>(i)]; }

  bool fail(const Node& at, std::string_view what) {
    error_ = route_error(name_, text_, at.offset, what);
    return false;
  }

  bool check(std::int32_t index) {
    for (std::int32_t child : node(index).children)
      if (!check(child)) return false;
    Node& n = node(index);
    switch (n.kind) {
      case NodeKind::literal: n.type = literal_type(n.value_kind); return true;
      case NodeKind::app_property:
      case NodeKind::system_property: n.type = Type::string; return true;
      case NodeKind::body_query: n.type = Type::dynamic; return true;
      case NodeKind::negate: {
        const Type t = node(n.children[0]).type;
        if (!accepts(Type::number, t))
          return fail(n, fmt::format("operator '-' needs a number, got {}", type_name(t)));
        n.type = Type::number;
        return true;
      }
      case NodeKind::logical_not: {
        const Type t = node(n.children[0]).type;
        if (t != Type::null && !accepts(Type::boolean, t)) {
          return fail(n, fmt::format("NOT needs a bool, got {} (NOT applies to the operand right after it: "
                                     "write NOT (a = b) to negate a comparison)", type_name(t)));
        }
        n.type = Type::boolean;
        return true;
      }
      case NodeKind::binary: return check_binary(n);
      case NodeKind::call: return check_call(n);
    }
    return true;
  }

  static Type literal_type(ValueKind kind) {
    switch (kind) {
      case ValueKind::undefined: return Type::undefined;
      case ValueKind::null: return Type::null;
      case ValueKind::boolean: return Type::boolean;
      case ValueKind::number: return Type::number;
      case ValueKind::string: return Type::string;
    }
    return Type::undefined;
  }

  bool check_binary(Node& n) {
    const Type l = node(n.children[0]).type;
    const Type r = node(n.children[1]).type;
    const bool dynamic = l == Type::dynamic || r == Type::dynamic;
    // Quote the operator as written ('<>' and '!=' are one operator).
    const auto op = (n.op == BinaryOp::not_equal && text_.substr(n.offset).starts_with("<>")) ? std::string_view("<>")
                                                                                              : op_spelling(n.op);
    switch (n.op) {
      case BinaryOp::multiply:
      case BinaryOp::divide:
      case BinaryOp::modulo:
      case BinaryOp::add:
      case BinaryOp::subtract:
        if (!accepts(Type::number, l) || !accepts(Type::number, r))
          return fail(n, fmt::format("operator '{}' needs numbers, got {} and {}{}", op, type_name(l),
                                     type_name(r), as_number_hint(l, r)));
        n.type = dynamic ? Type::dynamic : Type::number;
        return true;
      case BinaryOp::concat:
        if (!accepts(Type::string, l) || !accepts(Type::string, r))
          return fail(n, fmt::format("operator '||' needs strings, got {} and {}", type_name(l), type_name(r)));
        n.type = Type::string;
        return true;
      case BinaryOp::less:
      case BinaryOp::less_equal:
      case BinaryOp::greater:
      case BinaryOp::greater_equal:
      case BinaryOp::equal:
      case BinaryOp::not_equal:
        if (!accepts(l, r))
          return fail(n, fmt::format("operator '{}' cannot compare {} with {}{}", op, type_name(l),
                                     type_name(r), as_number_hint(l, r)));
        n.type = Type::boolean;
        n.mixed_kinds_compare = dynamic;
        return true;
      case BinaryOp::logical_and:
      case BinaryOp::logical_or:
        if (!is_logical_operand(l) || !is_logical_operand(r))
          return fail(n, fmt::format("operator '{}' needs bools, got {} and {}", op, type_name(l), type_name(r)));
        n.type = Type::boolean;
        return true;
      case BinaryOp::coalesce:
        if (!accepts(l, r))
          return fail(n, fmt::format("operator '?" "?' needs operands of the same type, got {} and {}",
                                     type_name(l), type_name(r)));
        n.type = dynamic ? Type::dynamic : l;
        return true;
    }
    return true;
  }

  bool check_call(Node& n) {
    std::vector<Type> args;
    args.reserve(n.children.size());
    for (std::int32_t c : n.children) args.push_back(node(c).type);
    const auto result = check_builtin_arguments(builtin_info(n.builtin), args);
    if (!result) return fail(n, result.error());
    n.type = result.value();
    return true;
  }

  Condition& condition_;
  std::string_view name_;
  std::string_view text_;
  std::optional<Error> error_;
};

}  // namespace

std::string_view op_spelling(BinaryOp op) {
  switch (op) {
    case BinaryOp::multiply: return "*";
    case BinaryOp::divide: return "/";
    case BinaryOp::modulo: return "%";
    case BinaryOp::add: return "+";
    case BinaryOp::subtract: return "-";
    case BinaryOp::concat: return "||";
    case BinaryOp::less: return "<";
    case BinaryOp::less_equal: return "<=";
    case BinaryOp::greater: return ">";
    case BinaryOp::greater_equal: return ">=";
    case BinaryOp::equal: return "=";
    case BinaryOp::not_equal: return "!=";
    case BinaryOp::logical_and: return "AND";
    case BinaryOp::logical_or: return "OR";
    case BinaryOp::coalesce: return "??";
  }
  return "?";
}

Status type_check(Condition& condition, std::string_view route_name, std::string_view text) {
  return TypeChecker(condition, route_name, text).run();
}

}  // namespace outpost::routing::detail

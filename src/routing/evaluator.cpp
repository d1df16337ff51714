#include "evaluator.h"

#include <array>
#include <cmath>
#include <vector>

#include "body_query.h"
#include "builtins.h"
#include "text.h"

namespace outpost::routing::detail {
namespace {

Value property_value(const Property* p) {
  if (p == nullptr) return Value::undefined();
  if (!p->value) return Value::null();  // present without a value
  return Value::of(std::string_view(*p->value));
}

Value compare(BinaryOp op, const Value& a, const Value& b, bool mixed_kinds) {
  if (!a.is_defined() || !b.is_defined()) return Value::undefined();
  if (a.kind != b.kind) {
    // Only $body values (edgeHub's QueryValue) compare across kinds: never equal.
    if (!mixed_kinds) return Value::undefined();
    if (op == BinaryOp::equal) return Value::of(false);
    if (op == BinaryOp::not_equal) return Value::of(true);
    return Value::undefined();
  }
  int order = 0;  // <0, 0, >0
  switch (a.kind) {
    case ValueKind::null: order = 0; break;
    case ValueKind::boolean: order = static_cast<int>(a.boolean) - static_cast<int>(b.boolean); break;
    case ValueKind::number: order = a.number < b.number ? -1 : (a.number > b.number ? 1 : 0); break;
    case ValueKind::string: order = a.string.compare(b.string); break;  // ordinal
    case ValueKind::undefined: return Value::undefined();
  }
  switch (op) {
    case BinaryOp::less: return Value::of(order < 0);
    case BinaryOp::less_equal: return Value::of(order <= 0);
    case BinaryOp::greater: return Value::of(order > 0);
    case BinaryOp::greater_equal: return Value::of(order >= 0);
    case BinaryOp::equal: return Value::of(order == 0);
    case BinaryOp::not_equal: return Value::of(order != 0);
    default: return Value::undefined();
  }
}

Value arithmetic(BinaryOp op, const Value& a, const Value& b) {
  if (a.kind != ValueKind::number || b.kind != ValueKind::number) return Value::undefined();
  switch (op) {
    case BinaryOp::multiply: return Value::of(a.number * b.number);
    case BinaryOp::divide: return Value::of(a.number / b.number);
    case BinaryOp::modulo: return Value::of(std::fmod(a.number, b.number));  // C#'s % on doubles
    case BinaryOp::add: return Value::of(a.number + b.number);
    case BinaryOp::subtract: return Value::of(a.number - b.number);
    default: return Value::undefined();
  }
}

class Evaluator {
 public:
  Evaluator(const Condition& condition, EvaluationContext& context)
      : nodes_(condition.nodes), context_(context) {}

  Value eval(std::int32_t index) {
    const Node& n = nodes_[static_cast<std::size_t>(index)];
    switch (n.kind) {
      case NodeKind::literal: return literal(n);
      case NodeKind::app_property: return property_value(find_property(context_.message().application, n.text));
      case NodeKind::system_property: {
        if (!n.shadow.empty())
          if (const Property* p = find_property(context_.message().application, n.shadow)) return property_value(p);
        return property_value(find_property(context_.message().system, n.text));
      }
      case NodeKind::body_query: {
        if (!n.shadow.empty())
          if (const Property* p = find_property(context_.message().application, n.shadow)) return property_value(p);
        const nlohmann::json* body = context_.body();
        return body == nullptr ? Value::undefined() : lookup_body_path(*body, n.path);
      }
      case NodeKind::negate: {
        const Value v = eval(n.children[0]);
        return v.kind == ValueKind::number ? Value::of(-v.number) : Value::undefined();
      }
      case NodeKind::logical_not: {
        const Value v = eval(n.children[0]);
        return v.kind == ValueKind::boolean ? Value::of(!v.boolean) : Value::undefined();
      }
      case NodeKind::binary: return binary(n);
      case NodeKind::call: return call(n);
    }
    return Value::undefined();
  }

 private:
  static Value literal(const Node& n) {
    switch (n.value_kind) {
      case ValueKind::undefined: return Value::undefined();
      case ValueKind::null: return Value::null();
      case ValueKind::boolean: return Value::of(n.boolean);
      case ValueKind::number: return Value::of(n.number);
      case ValueKind::string: return Value::of(std::string_view(n.text));
    }
    return Value::undefined();
  }

  Value binary(const Node& n) {
    const std::int32_t left = n.children[0];
    const std::int32_t right = n.children[1];
    switch (n.op) {
      // AND/OR skip the right side when the left decides: no side effects, same result.
      case BinaryOp::logical_and: {
        const Value l = eval(left);
        if (l.is_false()) return Value::of(false);
        const Value r = eval(right);
        if (r.is_false()) return Value::of(false);
        return (l.is_true() && r.is_true()) ? Value::of(true) : Value::undefined();
      }
      case BinaryOp::logical_or: {
        const Value l = eval(left);
        if (l.is_true()) return Value::of(true);
        const Value r = eval(right);
        if (r.is_true()) return Value::of(true);
        return (l.is_false() && r.is_false()) ? Value::of(false) : Value::undefined();
      }
      case BinaryOp::coalesce: {
        const Value l = eval(left);
        return l.is_defined() ? l : eval(right);
      }
      case BinaryOp::concat: {
        const Value l = eval(left);
        const Value r = eval(right);
        if (l.kind != ValueKind::string || r.kind != ValueKind::string) return Value::undefined();
        std::string joined;
        joined.reserve(l.string.size() + r.string.size());
        joined.append(l.string).append(r.string);
        return Value::of(context_.keep(std::move(joined)));
      }
      case BinaryOp::less:
      case BinaryOp::less_equal:
      case BinaryOp::greater:
      case BinaryOp::greater_equal:
      case BinaryOp::equal:
      case BinaryOp::not_equal: return compare(n.op, eval(left), eval(right), n.mixed_kinds_compare);
      default: return arithmetic(n.op, eval(left), eval(right));
    }
  }

  Value call(const Node& n) {
    if (n.builtin == BuiltinId::twin_change_includes) return Value::undefined();  // see README.md
    constexpr std::size_t kInline = 8;
    if (n.children.size() <= kInline) {
      std::array<Value, kInline> args;
      for (std::size_t i = 0; i < n.children.size(); ++i) args[i] = eval(n.children[i]);
      return call_builtin(n.builtin, std::span<const Value>(args.data(), n.children.size()), context_);
    }
    std::vector<Value> args;  // only a concat() with more than 8 arguments gets here
    args.reserve(n.children.size());
    for (std::int32_t c : n.children) args.push_back(eval(c));
    return call_builtin(n.builtin, args, context_);
  }

  const std::vector<Node>& nodes_;
  EvaluationContext& context_;
};

}  // namespace

Value evaluate(const Condition& condition, EvaluationContext& context) {
  if (condition.root < 0) return Value::of(true);
  return Evaluator(condition, context).eval(condition.root);
}

}  // namespace outpost::routing::detail

#include "condition_parser.h"

#include <cstdlib>
#include <fmt/format.h>
#include <optional>
#include <string>
#include <vector>

#include "body_query.h"
#include "builtins.h"
#include "text.h"

namespace outpost::routing::detail {
namespace {

struct BinaryOperator {
  BinaryOp op;
  int precedence;  // higher binds tighter
};

std::optional<BinaryOperator> binary_operator(TokenKind kind) {
  switch (kind) {
    case TokenKind::star: return BinaryOperator{BinaryOp::multiply, 7};
    case TokenKind::slash: return BinaryOperator{BinaryOp::divide, 7};
    case TokenKind::percent: return BinaryOperator{BinaryOp::modulo, 7};
    case TokenKind::plus: return BinaryOperator{BinaryOp::add, 6};
    case TokenKind::minus: return BinaryOperator{BinaryOp::subtract, 6};
    case TokenKind::concat: return BinaryOperator{BinaryOp::concat, 6};
    case TokenKind::less: return BinaryOperator{BinaryOp::less, 5};
    case TokenKind::less_equal: return BinaryOperator{BinaryOp::less_equal, 5};
    case TokenKind::greater: return BinaryOperator{BinaryOp::greater, 5};
    case TokenKind::greater_equal: return BinaryOperator{BinaryOp::greater_equal, 5};
    case TokenKind::equal: return BinaryOperator{BinaryOp::equal, 4};
    case TokenKind::not_equal:
    case TokenKind::not_equal_sql: return BinaryOperator{BinaryOp::not_equal, 4};
    case TokenKind::kw_and: return BinaryOperator{BinaryOp::logical_and, 3};
    case TokenKind::kw_or: return BinaryOperator{BinaryOp::logical_or, 2};
    case TokenKind::coalesce: return BinaryOperator{BinaryOp::coalesce, 1};
    default: return std::nullopt;
  }
}

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

std::uint32_t hex_value(std::string_view four) {
  return static_cast<std::uint32_t>(std::strtoul(std::string(four).c_str(), nullptr, 16));
}

// The lexer guarantees every escape is \" \' \\ or \uXXXX. UTF-16 surrogate pairs written
// as two \u escapes combine; a lone surrogate becomes U+FFFD.
std::string unescape(std::string_view body) {
  std::string out;
  out.reserve(body.size());
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\\' || i + 1 >= body.size()) {
      out += body[i];
      continue;
    }
    if (body[i + 1] != 'u') {
      out += body[i + 1];
      ++i;
      continue;
    }
    std::uint32_t unit = hex_value(body.substr(i + 2, 4));
    i += 5;
    if (unit >= 0xD800 && unit <= 0xDBFF && i + 6 < body.size() && body[i + 1] == '\\' &&
        body[i + 2] == 'u' && is_hex(body[i + 3])) {
      const std::uint32_t low = hex_value(body.substr(i + 3, 4));
      if (low >= 0xDC00 && low <= 0xDFFF) {
        unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
        i += 6;
      }
    }
    append_utf8(out, unit);
  }
  return out;
}

class ConditionParser {
 public:
  ConditionParser(TokenCursor& cursor, Condition& condition) : cursor_(cursor), condition_(condition) {}

  std::int32_t parse() { return parse_expression(1); }

 private:
  const Token& peek() const { return cursor_.peek(); }
  const Token& next() { return cursor_.next(); }
  std::string_view text_of(const Token& t) const { return cursor_.text_of(t); }
  std::string describe(const Token& t) const { return cursor_.describe(t); }
  std::size_t column_of(std::size_t offset) const { return cursor_.column_of(offset); }
  std::int32_t fail(std::size_t offset, std::string_view what) { return cursor_.fail(offset, what); }

  std::int32_t add_node(Node node) {
    int depth = 1;
    for (std::int32_t c : node.children) depth = std::max(depth, depths_[static_cast<std::size_t>(c)] + 1);
    if (depth > kMaxConditionDepth)
      return fail(node.offset, fmt::format("the condition is nested too deeply (more than {} levels)", kMaxConditionDepth));
    condition_.nodes.push_back(std::move(node));
    depths_.push_back(depth);
    return static_cast<std::int32_t>(condition_.nodes.size() - 1);
  }

  // Guards the recursion itself (parentheses and prefix operators add no nodes).
  struct DepthGuard {
    explicit DepthGuard(int& depth) : depth_(depth) { ++depth_; }
    ~DepthGuard() { --depth_; }
    int& depth_;
  };
  bool too_deep(std::size_t offset) {
    if (recursion_ <= kMaxConditionDepth) return false;
    fail(offset, fmt::format("the condition is nested too deeply (more than {} levels)", kMaxConditionDepth));
    return true;
  }

  std::int32_t parse_expression(int min_precedence) {
    DepthGuard guard(recursion_);
    if (too_deep(peek().offset)) return -1;
    std::int32_t left = parse_unary();
    while (left >= 0) {
      const auto op = binary_operator(peek().kind);
      if (!op || op->precedence < min_precedence) break;
      const Token& op_token = next();
      const std::int32_t right = parse_expression(op->precedence + 1);
      if (right < 0) return -1;
      Node node;
      node.kind = NodeKind::binary;
      node.op = op->op;
      node.offset = op_token.offset;
      node.children = {left, right};
      left = add_node(std::move(node));
    }
    return left;
  }

  std::int32_t parse_unary() {
    const Token& t = peek();
    if (t.kind != TokenKind::minus && t.kind != TokenKind::kw_not) return parse_primary();
    DepthGuard guard(recursion_);
    if (too_deep(t.offset)) return -1;
    next();
    const std::int32_t operand = parse_unary();
    if (operand < 0) return -1;
    Node node;
    node.kind = t.kind == TokenKind::minus ? NodeKind::negate : NodeKind::logical_not;
    node.offset = t.offset;
    node.children = {operand};
    return add_node(std::move(node));
  }

  std::int32_t literal(const Token& t, ValueKind kind) {
    Node node;
    node.kind = NodeKind::literal;
    node.value_kind = kind;
    node.offset = t.offset;
    return add_node(std::move(node));
  }

  std::int32_t parse_primary() {
    const Token& t = next();
    const auto spelled = text_of(t);
    switch (t.kind) {
      case TokenKind::lparen: {
        const std::int32_t inner = parse_expression(1);
        if (inner < 0) return -1;
        if (peek().kind != TokenKind::rparen)
          return fail(peek().offset, fmt::format("expected ')' to close the '(' at column {}, found {}",
                                                 column_of(t.offset), describe(peek())));
        next();
        return inner;
      }
      case TokenKind::kw_true:
      case TokenKind::kw_false: {
        Node node;
        node.kind = NodeKind::literal;
        node.value_kind = ValueKind::boolean;
        node.boolean = t.kind == TokenKind::kw_true;
        node.offset = t.offset;
        return add_node(std::move(node));
      }
      case TokenKind::kw_null: return literal(t, ValueKind::null);
      case TokenKind::kw_undefined: return literal(t, ValueKind::undefined);
      case TokenKind::integer:
      case TokenKind::real:
      case TokenKind::hex_integer: return number_literal(t);
      case TokenKind::string: {
        Node node;
        node.kind = NodeKind::literal;
        node.value_kind = ValueKind::string;
        node.text = unescape(spelled.substr(1, spelled.size() - 2));
        node.offset = t.offset;
        return add_node(std::move(node));
      }
      case TokenKind::unterminated_string:
        if (t.bad_escape_offset != 0)
          return fail(t.bad_escape_offset,
                      fmt::format("invalid escape '{}' in string (use \\\" \\' \\\\ or \\uXXXX)",
                                  cursor_.text().substr(t.bad_escape_offset, 2)));
        return fail(t.offset, "unterminated string");
      case TokenKind::sys_prop: return property(t, /*forced=*/false);
      case TokenKind::lbrace: {
        const Token& inner = next();
        if (inner.kind != TokenKind::sys_prop)
          return fail(inner.offset, "expected a $property inside { }, found " + describe(inner));
        if (peek().kind != TokenKind::rbrace) return fail(peek().offset, "expected '}', found " + describe(peek()));
        next();
        return property(inner, /*forced=*/true);
      }
      case TokenKind::identifier:
        if (peek().kind == TokenKind::lparen) return call(t);
        {
          Node node;
          node.kind = NodeKind::app_property;
          node.text = std::string(spelled);
          node.offset = t.offset;
          return add_node(std::move(node));
        }
      case TokenKind::query_path:
        return fail(t.offset, fmt::format("unexpected '{}': '[' and ']' are only allowed in $body queries", shorten(spelled)));
      case TokenKind::unknown_char: return fail(t.offset, fmt::format("unexpected character '{}'", spelled));
      case TokenKind::rparen: return fail(t.offset, "unmatched closing ')'");
      default: return fail(t.offset, "expected an expression, found " + describe(t));
    }
  }

  std::int32_t number_literal(const Token& t) {
    const std::string spelled(text_of(t));
    Node node;
    node.kind = NodeKind::literal;
    node.value_kind = ValueKind::number;
    node.offset = t.offset;
    if (t.kind == TokenKind::hex_integer) {
      // .NET's long.TryParse(hex): up to 16 digits, two's complement (0xFFFFFFFFFFFFFFFF is -1).
      std::string_view digits = std::string_view(spelled).substr(2);
      while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
      if (digits.size() > 16) return fail(t.offset, fmt::format("hex number {} is out of range (64 bits)", shorten(spelled)));
      const auto bits = std::strtoull(std::string(digits).c_str(), nullptr, 16);
      node.number = static_cast<double>(static_cast<std::int64_t>(bits));
    } else {
      node.number = std::strtod(spelled.c_str(), nullptr);  // overflow gives +-infinity, as .NET
    }
    return add_node(std::move(node));
  }

  std::int32_t property(const Token& t, bool forced) {
    const std::string_view spelled = text_of(t);
    Node node;
    node.offset = t.offset;
    const bool has_brackets = spelled.find_first_of("[]") != std::string_view::npos;
    if (istarts_with(spelled, "$body.")) {
      auto path = parse_body_path(spelled.substr(6));
      if (!path) return fail(t.offset, path.error());
      node.kind = NodeKind::body_query;
      node.path = std::move(path).value();
      // An application property literally named "$body.x" wins, unless {$body.x} forces the
      // body or the name has brackets (property names cannot).
      if (!forced && !has_brackets) node.shadow = std::string(spelled);
      condition_.uses_body = true;
      return add_node(std::move(node));
    }
    if (has_brackets)
      return fail(t.offset, fmt::format("'{}': only $body queries may use '[' and ']'", shorten(spelled)));
    node.kind = NodeKind::system_property;
    const std::string_view name = spelled.substr(1);
    // edgeHub stores the correlation id as "cid"; accept the documented long name too.
    node.text = iequals(name, "correlationId") ? std::string(sysprop::kCorrelationId) : std::string(name);
    if (!forced) node.shadow = std::string(spelled);
    return add_node(std::move(node));
  }

  std::int32_t call(const Token& name_token) {
    const auto name = text_of(name_token);
    const BuiltinInfo* info = find_builtin(name);
    if (info == nullptr) return fail(name_token.offset, fmt::format("unknown function '{}'", shorten(name)));
    next();  // '('
    Node node;
    node.kind = NodeKind::call;
    node.builtin = info->id;
    node.offset = name_token.offset;
    std::vector<std::int32_t> args;
    if (peek().kind == TokenKind::rparen) {
      next();
    } else {
      while (true) {
        const std::int32_t arg = parse_expression(1);
        if (arg < 0) return -1;
        args.push_back(arg);
        if (peek().kind == TokenKind::comma) {
          next();
          continue;
        }
        if (peek().kind == TokenKind::rparen) {
          next();
          break;
        }
        return fail(peek().offset, fmt::format("expected ',' or ')' in the arguments of '{}', found {}", info->name,
                                               describe(peek())));
      }
    }
    if (args.size() < info->min_args || (info->max_args != kVariadic && args.size() > info->max_args))
      return fail(name_token.offset,
                  fmt::format("function '{}' {}, got {}", info->name, arity_description(*info), args.size()));
    node.children = std::move(args);
    return add_node(std::move(node));
  }

  TokenCursor& cursor_;
  Condition& condition_;
  std::vector<int> depths_;  // per node: height of its subtree
  int recursion_ = 0;
};

}  // namespace

std::int32_t parse_condition(TokenCursor& cursor, Condition& condition) {
  return ConditionParser(cursor, condition).parse();
}

}  // namespace outpost::routing::detail

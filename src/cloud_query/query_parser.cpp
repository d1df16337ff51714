// Recursive-descent parser for the query language; depth is bounded so hostile input
// cannot exhaust the stack.
#include <fmt/format.h>

#include "outpost/cloud_query/query.h"
#include "query_lexer.h"
#include "outpost/core/encoding.h"

namespace outpost::cloud::query {
namespace {

const std::vector<std::string> kFunctions = {"IS_DEFINED", "IS_NULL",  "IS_BOOL",  "IS_NUMBER",      "IS_STRING",
                                             "IS_OBJECT",  "IS_ARRAY", "IS_PRIMITIVE", "STARTSWITH", "STARTS_WITH",
                                             "ENDSWITH",   "ENDS_WITH", "CONTAINS", "ARRAY_CONTAINS", "LOWER",
                                             "UPPER",      "LENGTH"};

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Result<Query> query() {
    Query q;
    if (!keyword("SELECT")) return fail("expected SELECT");
    if (symbol("*")) {
      q.select_all = true;
    } else {
      do {
        auto p = projection();
        if (!p) return Error{p.error()};
        q.projections.push_back(std::move(*p));
      } while (symbol(","));
    }
    if (!keyword("FROM")) return fail("expected FROM");
    if (!keyword("devices")) return fail("expected 'devices' or 'devices.modules' after FROM");
    if (symbol(".")) {
      if (!keyword("modules")) return fail("expected 'modules' after 'devices.'");
      q.modules = true;
    }
    if (keyword("WHERE")) {
      auto c = condition(0);
      if (!c) return Error{c.error()};
      q.where = std::move(*c);
    }
    if (keyword("GROUP")) {
      if (!keyword("BY")) return fail("expected BY after GROUP");
      do {
        auto p = path();
        if (!p) return Error{p.error()};
        q.group_by.push_back(std::move(*p));
      } while (symbol(","));
    }
    if (peek().kind != Token::Kind::end) return fail("unexpected text after the query");
    // With GROUP BY, every selected field must be grouped (or COUNT()).
    if (!q.group_by.empty()) {
      if (q.select_all) return make_error("SELECT * cannot be combined with GROUP BY");
      for (const auto& p : q.projections)
        if (p.kind == Projection::Kind::path &&
            std::find(q.group_by.begin(), q.group_by.end(), p.path) == q.group_by.end())
          return make_error(fmt::format("'{}' is selected but not in GROUP BY", p.alias));
    }
    return q;
  }

  Result<ExprPtr> bare_condition() {
    if (peek().kind == Token::Kind::symbol && peek().text == "*" && tokens_.size() == 2) return ExprPtr{};
    auto c = condition(0);
    if (!c) return c;
    if (peek().kind != Token::Kind::end) return fail("unexpected text after the condition");
    return c;
  }

 private:
  const Token& peek() const { return tokens_[pos_]; }
  const Token& next() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }

  Error fail(std::string_view what) const {
    const auto& t = peek();
    const auto got = t.kind == Token::Kind::end ? std::string("the end") : fmt::format("'{}'", t.text);
    return make_error(fmt::format("at {}: {}, got {}", t.position, what, got));
  }

  bool keyword(std::string_view word) {
    if (peek().kind == Token::Kind::identifier && iequals(peek().text, word)) {
      next();
      return true;
    }
    return false;
  }
  bool is_keyword(std::string_view word) const {
    return peek().kind == Token::Kind::identifier && iequals(peek().text, word);
  }
  bool symbol(std::string_view s) {
    if (peek().kind == Token::Kind::symbol && peek().text == s) {
      next();
      return true;
    }
    return false;
  }

  Result<Projection> projection() {
    Projection p;
    if (is_keyword("COUNT")) {
      next();
      if (!symbol("(") || !symbol(")")) return fail("expected COUNT()");
      p.kind = Projection::Kind::count;
      p.alias = "$1";
    } else {
      auto path_result = path();
      if (!path_result) return Error{path_result.error()};
      p.path = std::move(*path_result);
      p.alias = p.path.back();
    }
    if (keyword("AS")) {
      if (peek().kind != Token::Kind::identifier) return fail("expected a name after AS");
      p.alias = next().text;
    }
    return p;
  }

  Result<std::vector<std::string>> path() {
    if (peek().kind != Token::Kind::identifier) return fail("expected a property path");
    std::vector<std::string> segments{next().text};
    while (true) {
      if (symbol(".")) {
        if (peek().kind != Token::Kind::identifier && peek().kind != Token::Kind::number)
          return fail("expected a property name after '.'");
        segments.push_back(next().text);
      } else if (symbol("[")) {
        if (peek().kind != Token::Kind::string) return fail("expected a quoted property name in [ ]");
        segments.push_back(next().text);
        if (!symbol("]")) return fail("expected ']'");
      } else {
        break;
      }
      if (segments.size() > 32) return fail("property path is too deep");
    }
    return segments;
  }

  static ExprPtr make(Expr::Kind kind) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    return e;
  }

  static ExprPtr binary(Op op, ExprPtr a, ExprPtr b) {
    auto e = make(Expr::Kind::binary);
    e->op = op;
    e->operands.push_back(std::move(a));
    e->operands.push_back(std::move(b));
    return e;
  }

  Result<ExprPtr> condition(int depth) {
    if (depth > kMaxDepth) return fail("the condition nests too deeply");
    auto left = conjunction(depth);
    if (!left) return left;
    ExprPtr out = std::move(*left);
    while (keyword("OR")) {
      auto right = conjunction(depth);
      if (!right) return right;
      out = binary(Op::or_, std::move(out), std::move(*right));
    }
    return out;
  }

  Result<ExprPtr> conjunction(int depth) {
    auto left = negation(depth);
    if (!left) return left;
    ExprPtr out = std::move(*left);
    while (keyword("AND")) {
      auto right = negation(depth);
      if (!right) return right;
      out = binary(Op::and_, std::move(out), std::move(*right));
    }
    return out;
  }

  Result<ExprPtr> negation(int depth) {
    if (keyword("NOT")) {
      if (depth + 1 > kMaxDepth) return fail("the condition nests too deeply");
      auto inner = negation(depth + 1);
      if (!inner) return inner;
      auto e = make(Expr::Kind::unary);
      e->op = Op::not_;
      e->operands.push_back(std::move(*inner));
      return e;
    }
    return comparison(depth);
  }

  Result<ExprPtr> comparison(int depth) {
    auto left = operand(depth);
    if (!left) return left;
    static const std::pair<std::string_view, Op> ops[] = {{"=", Op::eq},  {"!=", Op::ne}, {"<>", Op::ne},
                                                          {"<=", Op::le}, {">=", Op::ge}, {"<", Op::lt},
                                                          {">", Op::gt}};
    for (const auto& [text, op] : ops) {
      if (symbol(text)) {
        auto right = operand(depth);
        if (!right) return right;
        return binary(op, std::move(*left), std::move(*right));
      }
    }
    bool negated = false;
    if (is_keyword("NOT") && pos_ + 1 < tokens_.size() && tokens_[pos_ + 1].kind == Token::Kind::identifier &&
        iequals(tokens_[pos_ + 1].text, "IN")) {
      next();
      negated = true;
    }
    if (keyword("IN") || is_keyword("NIN")) {
      if (is_keyword("NIN")) {
        next();
        negated = true;
      }
      if (!symbol("(")) return fail("expected '(' after IN");
      auto list = make(Expr::Kind::list);
      if (!symbol(")")) {
        do {
          auto item = literal();
          if (!item) return item;
          list->operands.push_back(std::move(*item));
        } while (symbol(","));
        if (!symbol(")")) return fail("expected ')' to close the IN list");
      }
      return binary(negated ? Op::not_in : Op::in, std::move(*left), std::move(list));
    }
    if (negated) return fail("expected IN after NOT");
    return left;
  }

  Result<ExprPtr> literal() {
    const auto& t = peek();
    auto e = make(Expr::Kind::literal);
    if (t.kind == Token::Kind::string) {
      e->literal = next().text;
      return e;
    }
    if (t.kind == Token::Kind::number) {
      const auto parsed = nlohmann::json::parse(t.text.front() == '+' ? t.text.substr(1)
                                                : t.text.front() == '.' ? "0" + t.text
                                                : t.text.substr(0, 2) == "-." ? "-0" + t.text.substr(1)
                                                                              : t.text,
                                                nullptr, false);
      if (parsed.is_discarded() || !parsed.is_number()) return fail("malformed number");
      next();
      e->literal = parsed;
      return e;
    }
    if (t.kind == Token::Kind::identifier) {
      if (iequals(t.text, "true") || iequals(t.text, "false")) {
        e->literal = iequals(next().text, "true");
        return e;
      }
      if (iequals(t.text, "null")) {
        next();
        e->literal = nullptr;
        return e;
      }
    }
    return fail("expected a literal");
  }

  Result<ExprPtr> operand(int depth) {
    const auto& t = peek();
    if (t.kind == Token::Kind::symbol && t.text == "(") {
      next();
      auto inner = condition(depth + 1);
      if (!inner) return inner;
      if (!symbol(")")) return fail("expected ')'");
      return inner;
    }
    if (t.kind == Token::Kind::string || t.kind == Token::Kind::number) return literal();
    if (t.kind != Token::Kind::identifier) return fail("expected a property, a literal or a function");
    if (iequals(t.text, "true") || iequals(t.text, "false") || iequals(t.text, "null")) return literal();
    // A function call: NAME '(' args ')'.
    if (pos_ + 1 < tokens_.size() && tokens_[pos_ + 1].kind == Token::Kind::symbol && tokens_[pos_ + 1].text == "(") {
      const auto name = to_upper(next().text);
      if (std::find(kFunctions.begin(), kFunctions.end(), name) == kFunctions.end())
        return make_error(fmt::format("at {}: unknown function '{}'", t.position, name));
      next();  // '('
      auto e = make(Expr::Kind::function);
      e->function = name;
      if (!symbol(")")) {
        do {
          if (depth + 1 > kMaxDepth) return fail("the condition nests too deeply");
          auto arg = operand(depth + 1);
          if (!arg) return arg;
          e->operands.push_back(std::move(*arg));
        } while (symbol(","));
        if (!symbol(")")) return fail("expected ')' after the function's arguments");
      }
      const bool binary_fn = name.find("WITH") != std::string::npos || name == "CONTAINS" || name == "ARRAY_CONTAINS";
      const std::size_t arity = binary_fn ? 2 : 1;
      if (e->operands.size() != arity)
        return make_error(fmt::format("at {}: {} takes {} argument{}", t.position, name, arity, arity == 1 ? "" : "s"));
      return e;
    }
    auto p = path();
    if (!p) return Error{p.error()};
    auto e = make(Expr::Kind::path);
    e->path = std::move(*p);
    return e;
  }

  static std::string to_upper(std::string s) {
    for (auto& c : s)
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return s;
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
};

}  // namespace

Result<Query> parse_query(std::string_view text) {
  if (text.size() > kMaxQueryLength) return make_error(fmt::format("the query is longer than {} bytes", kMaxQueryLength));
  auto tokens = tokenize(text);
  if (!tokens) return tokens.failure();
  return Parser(std::move(*tokens)).query();
}

Result<ExprPtr> parse_condition(std::string_view text) {
  if (text.size() > kMaxQueryLength) return make_error(fmt::format("the condition is longer than {} bytes", kMaxQueryLength));
  auto tokens = tokenize(text);
  if (!tokens) return tokens.failure();
  if (tokens->size() == 1) return make_error("the condition is empty");
  return Parser(std::move(*tokens)).bare_condition();
}

}  // namespace outpost::cloud::query

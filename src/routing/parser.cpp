#include "parser.h"

#include <fmt/format.h>
#include <string>

#include "condition_parser.h"
#include "text.h"
#include "token_cursor.h"

namespace outpost::routing::detail {
namespace {

// Lenient path segments: edgeHub takes only an ID or '*', so a module called `123` or `and`
// cannot be named there; accepting them here changes no valid route's meaning.
bool is_path_segment(TokenKind kind) {
  switch (kind) {
    case TokenKind::identifier: case TokenKind::star: case TokenKind::sys_prop:
    case TokenKind::integer: case TokenKind::hex_integer: case TokenKind::real:
    case TokenKind::kw_true: case TokenKind::kw_false: case TokenKind::kw_null:
    case TokenKind::kw_undefined: case TokenKind::kw_and: case TokenKind::kw_or:
    case TokenKind::kw_not:
      return true;
    default:
      return false;
  }
}

class RouteParser {
 public:
  RouteParser(std::string_view name, std::string_view text) : cursor_(name, text) {}

  Result<ParsedRoute> parse() {
    ParsedRoute route;
    if (peek().kind == TokenKind::end) return fail(0, "the route is empty");
    if (peek().kind == TokenKind::kw_select) {
      next();
      if (peek().kind != TokenKind::star) return fail(peek().offset, "expected '*' after SELECT, found " + describe(peek()));
      next();
    }
    if (peek().kind != TokenKind::kw_from)
      return fail(peek().offset, "a route starts with FROM (or SELECT * FROM), found " + describe(peek()));
    next();
    if (!parse_path(route.source_path)) return cursor_.error();

    if (peek().kind == TokenKind::kw_where) {
      next();
      if (peek().kind == TokenKind::kw_into || peek().kind == TokenKind::end)
        return fail(peek().offset, "expected a condition after WHERE, found " + describe(peek()));
      const std::int32_t root = parse_condition(cursor_, route.condition);
      if (root < 0) return cursor_.error();
      if (peek().kind != TokenKind::kw_into) return fail_after_condition();
      route.condition.root = root;
    } else if (peek().kind != TokenKind::kw_into) {
      return fail(peek().offset, "expected WHERE or INTO after the FROM path, found " + describe(peek()));
    }
    next();  // INTO
    if (!parse_sink(route.endpoint)) return cursor_.error();
    if (peek().kind != TokenKind::end) return fail(peek().offset, "unexpected " + describe(peek()) + " after the sink");
    return route;
  }

 private:
  const Token& peek() const { return cursor_.peek(); }
  const Token& next() { return cursor_.next(); }
  std::string_view text_of(const Token& t) const { return cursor_.text_of(t); }
  std::string describe(const Token& t) const { return cursor_.describe(t); }
  Error fail(std::size_t offset, std::string_view what) {
    cursor_.fail(offset, what);
    return cursor_.error();
  }

  Error fail_after_condition() {
    const Token& t = peek();
    if (t.kind == TokenKind::rparen) return fail(t.offset, "unmatched closing ')'");
    std::string what = "expected an operator or INTO after the condition, found " + describe(t);
    const auto spelled = text_of(t);
    if ((t.kind == TokenKind::integer || t.kind == TokenKind::real) && spelled.starts_with("-"))
      what += fmt::format(" (to subtract, write '- {}' with a space)", shorten(spelled.substr(1)));
    return fail(t.offset, what);
  }

  bool parse_path(std::string& path) {
    if (peek().kind != TokenKind::slash) {
      fail(peek().offset, "expected a path starting with '/' after FROM, found " + describe(peek()));
      return false;
    }
    while (peek().kind == TokenKind::slash) {
      next();
      if (!is_path_segment(peek().kind)) {
        fail(peek().offset, "expected a path segment after '/', found " + describe(peek()));
        return false;
      }
      path += '/';
      path += text_of(next());
    }
    return true;
  }

  bool parse_sink(Endpoint& endpoint) {
    const Token& t = peek();
    if (t.kind == TokenKind::sys_prop) {
      next();
      if (!iequals(text_of(t), "$upstream")) {
        fail(t.offset, fmt::format("unknown endpoint '{}': use $upstream or "
                                   "BrokeredEndpoint(\"/modules/{{module}}/inputs/{{input}}\")", shorten(text_of(t))));
        return false;
      }
      endpoint = Endpoint::upstream();
      return true;
    }
    if (t.kind != TokenKind::identifier) {
      fail(t.offset, "expected $upstream or BrokeredEndpoint(...) after INTO, found " + describe(t));
      return false;
    }
    next();
    if (!iequals(text_of(t), "BrokeredEndpoint")) {
      fail(t.offset, fmt::format("unknown endpoint function '{}' (expected BrokeredEndpoint)", shorten(text_of(t))));
      return false;
    }
    if (peek().kind != TokenKind::lparen) {
      fail(peek().offset, "expected '(' after BrokeredEndpoint, found " + describe(peek()));
      return false;
    }
    next();
    const Token& address = peek();
    if (address.kind != TokenKind::string) {
      fail(address.offset, address.kind == TokenKind::unterminated_string
                               ? std::string("unterminated string")
                               : "expected a quoted address in BrokeredEndpoint(...), found " + describe(address));
      return false;
    }
    next();
    // As edgeHub: the text between the quotes, escapes left as they are.
    const auto raw = text_of(address).substr(1, address.length - 2);
    auto parsed = parse_brokered_endpoint_address(raw);
    if (!parsed) {
      fail(address.offset, parsed.error());
      return false;
    }
    if (peek().kind != TokenKind::rparen) {
      fail(peek().offset, "expected ')' after the BrokeredEndpoint address, found " + describe(peek()));
      return false;
    }
    next();
    endpoint = std::move(parsed).value();
    return true;
  }

  TokenCursor cursor_;
};

}  // namespace

Result<ParsedRoute> parse_route(std::string_view route_name, std::string_view text) {
  return RouteParser(route_name, text).parse();
}

}  // namespace outpost::routing::detail

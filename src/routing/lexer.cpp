#include "lexer.h"

#include <array>
#include <fmt/format.h>
#include <string>

#include "text.h"

namespace outpost::routing::detail {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex_digit(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// GrammarLexer.g4: QUERY_PATH_CHARS = ~[()<>@,;:\\"/?={} \t\n\r]; ID_CHARS also excludes [ ].
bool is_query_path_char(char c) {
  switch (c) {
    case '(': case ')': case '<': case '>': case '@': case ',': case ';': case ':':
    case '\\': case '"': case '/': case '?': case '=': case '{': case '}':
      return false;
    default:
      return !is_space(c);
  }
}
bool is_id_char(char c) { return c != '[' && c != ']' && is_query_path_char(c); }

class Scanner {
 public:
  Scanner(std::string_view text, std::size_t at) : rest_(text.substr(at)) {}

  std::size_t word(std::string_view keyword, bool ignore_case) const {
    if (rest_.size() < keyword.size()) return 0;
    const auto head = rest_.substr(0, keyword.size());
    return (ignore_case ? iequals(head, keyword) : head == keyword) ? keyword.size() : 0;
  }

  std::size_t run(bool (*accept)(char), std::size_t from = 0) const {
    std::size_t i = from;
    while (i < rest_.size() && accept(rest_[i])) ++i;
    return i - from;
  }

  std::size_t integer() const {
    const std::size_t sign = (!rest_.empty() && rest_[0] == '-') ? 1 : 0;
    const std::size_t digits = run(is_digit, sign);
    return digits == 0 ? 0 : sign + digits;
  }

  std::size_t hex() const {
    if (rest_.size() < 3 || rest_[0] != '0' || (rest_[1] != 'x' && rest_[1] != 'X')) return 0;
    const std::size_t digits = run(is_hex_digit, 2);
    return digits == 0 ? 0 : 2 + digits;
  }

  // '-'? [0-9]* '.' [0-9]+ EXP? | '-'? [0-9]+ EXP   (edgeHub also allows EXP with no
  // digits before it, so `e5` is a number there; here it is an identifier.)
  std::size_t real() const {
    std::size_t i = (!rest_.empty() && rest_[0] == '-') ? 1 : 0;
    const std::size_t whole = run(is_digit, i);
    i += whole;
    if (i + 1 < rest_.size() && rest_[i] == '.' && is_digit(rest_[i + 1])) {
      i += 1 + run(is_digit, i + 1);
      return i + exponent(i);
    }
    if (whole == 0) return 0;
    const std::size_t e = exponent(i);
    return e == 0 ? 0 : i + e;
  }

  // STRING: a quote, then escapes (\" \' \\ \uXXXX) or anything but the quote and '\',
  // then the quote. When it does not close, UNTERMINATED_STRING takes what was scanned.
  struct QuotedScan {
    std::size_t closed = 0;        // length with the closing quote, 0 if not closed
    std::size_t unterminated = 0;  // length of the unterminated form
    std::size_t bad_escape = 0;    // offset of the '\' that stopped it (0: none)
  };
  QuotedScan quoted() const {
    QuotedScan scan;
    if (rest_.empty() || (rest_[0] != '"' && rest_[0] != '\'')) return scan;
    const char quote = rest_[0];
    std::size_t i = 1;
    while (i < rest_.size()) {
      const char c = rest_[i];
      if (c == quote) {
        scan.closed = i + 1;
        return scan;
      }
      if (c == '\\') {
        if (i + 1 < rest_.size() && (rest_[i + 1] == '"' || rest_[i + 1] == '\'' || rest_[i + 1] == '\\')) {
          i += 2;
          continue;
        }
        if (i + 5 < rest_.size() && rest_[i + 1] == 'u' && is_hex_digit(rest_[i + 2]) &&
            is_hex_digit(rest_[i + 3]) && is_hex_digit(rest_[i + 4]) && is_hex_digit(rest_[i + 5])) {
          i += 6;
          continue;
        }
        scan.bad_escape = i;
        break;
      }
      ++i;
    }
    scan.unterminated = i;
    return scan;
  }

 private:
  std::size_t exponent(std::size_t at) const {
    if (at >= rest_.size() || (rest_[at] != 'e' && rest_[at] != 'E')) return 0;
    std::size_t i = at + 1;
    if (i < rest_.size() && (rest_[i] == '+' || rest_[i] == '-')) ++i;
    const std::size_t digits = run(is_digit, i);
    return digits == 0 ? 0 : (i - at) + digits;
  }

  std::string_view rest_;
};

struct Fixed {
  std::string_view spelling;
  TokenKind kind;
  bool ignore_case;
};

// In GrammarLexer.g4 order, which breaks ties between equally long matches.
constexpr std::array<Fixed, 4> kLeadingKeywords{{
    {"select", TokenKind::kw_select, true},
    {"from", TokenKind::kw_from, true},
    {"where", TokenKind::kw_where, true},
    {"into", TokenKind::kw_into, true},
}};
constexpr std::array<Fixed, 4> kLiterals{{
    {"true", TokenKind::kw_true, false},
    {"false", TokenKind::kw_false, false},
    {"null", TokenKind::kw_null, false},
    {"undefined", TokenKind::kw_undefined, false},
}};
constexpr std::array<Fixed, 22> kOperators{{
    {"(", TokenKind::lparen, false},   {")", TokenKind::rparen, false},
    {",", TokenKind::comma, false},    {"+", TokenKind::plus, false},
    {"-", TokenKind::minus, false},    {"*", TokenKind::star, false},
    {"/", TokenKind::slash, false},    {"%", TokenKind::percent, false},
    {"and", TokenKind::kw_and, true},  {"or", TokenKind::kw_or, true},
    {"not", TokenKind::kw_not, true},  {"=", TokenKind::equal, false},
    {"!=", TokenKind::not_equal, false}, {"<>", TokenKind::not_equal_sql, false},
    {"<=", TokenKind::less_equal, false}, {">=", TokenKind::greater_equal, false},
    {">", TokenKind::greater, false},  {"<", TokenKind::less, false},
    {"||", TokenKind::concat, false},  {"??", TokenKind::coalesce, false},
    {"{", TokenKind::lbrace, false},   {"}", TokenKind::rbrace, false},
}};

}  // namespace

std::vector<Token> tokenize(std::string_view text) {
  std::vector<Token> tokens;
  std::size_t at = 0;
  bool no_comment_end_ahead = false;  // once "*/" is not found, it never will be: stay linear
  while (true) {
    while (at < text.size() && is_space(text[at])) ++at;
    if (!no_comment_end_ahead && text.substr(at).starts_with("/*")) {
      const auto close = text.find("*/", at + 2);
      if (close != std::string_view::npos) {
        at = close + 2;
        continue;
      }
      no_comment_end_ahead = true;  // so this is just '/' then '*'
    }
    if (at >= text.size()) break;

    const Scanner scan(text, at);
    Token best{TokenKind::unknown_char, static_cast<std::uint32_t>(at), 0};
    auto offer = [&](TokenKind kind, std::size_t length) {
      if (length > best.length) {
        best.kind = kind;
        best.length = static_cast<std::uint32_t>(length);
      }
    };
    for (const auto& k : kLeadingKeywords) offer(k.kind, scan.word(k.spelling, k.ignore_case));
    const auto quoted = scan.quoted();
    offer(TokenKind::string, quoted.closed);
    offer(TokenKind::unterminated_string, quoted.closed ? 0 : quoted.unterminated);
    offer(TokenKind::integer, scan.integer());
    offer(TokenKind::hex_integer, scan.hex());
    offer(TokenKind::real, scan.real());
    for (const auto& k : kLiterals) offer(k.kind, scan.word(k.spelling, k.ignore_case));
    for (const auto& k : kOperators) offer(k.kind, scan.word(k.spelling, k.ignore_case));
    if (text[at] == '$') {
      const std::size_t path = scan.run(is_query_path_char, 1);
      offer(TokenKind::sys_prop, path == 0 ? 0 : 1 + path);
    }
    offer(TokenKind::identifier, scan.run(is_id_char));
    offer(TokenKind::query_path, scan.run(is_query_path_char));
    offer(TokenKind::unknown_char, 1);
    if (best.kind == TokenKind::unterminated_string && quoted.bad_escape != 0)
      best.bad_escape_offset = static_cast<std::uint32_t>(at + quoted.bad_escape);

    tokens.push_back(best);
    at += best.length;
  }
  tokens.push_back(Token{TokenKind::end, static_cast<std::uint32_t>(text.size()), 0});
  return tokens;
}

std::string_view token_text(std::string_view text, const Token& token) {
  return text.substr(token.offset, token.length);
}

std::string describe_token(std::string_view text, const Token& token) {
  if (token.kind == TokenKind::end) return "the end of the route";
  std::string_view shown = token_text(text, token);
  constexpr std::size_t kMaxShown = 40;
  if (shown.size() > kMaxShown) return fmt::format("'{}...'", shown.substr(0, kMaxShown));
  return fmt::format("'{}'", shown);
}

}  // namespace outpost::routing::detail

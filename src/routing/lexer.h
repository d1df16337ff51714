// The route lexer: edgeHub's GrammarLexer.g4 by hand. Like ANTLR, it takes the longest
// token at each position and, on a tie, the rule listed first; that decides the odd cases
// faithfully: `-5` is a number but `-x` and `a-b` are identifiers (IDs may contain '-', '+',
// '*', '.', '$', '!' ...), `temp>5` is three tokens, `/messages/modules*` has the ID
// `modules*`, and `a[0]` is a QUERY_PATH token that no rule accepts.
//
// Keywords SELECT FROM WHERE INTO AND OR NOT are case-insensitive; true false null
// undefined are lower-case only (`True` is an application property). Whitespace separates
// tokens; /* comments */ are skipped.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace outpost::routing::detail {

enum class TokenKind : std::uint8_t {
  end,
  kw_select, kw_from, kw_where, kw_into,
  string, unterminated_string,
  integer, hex_integer, real,
  kw_true, kw_false, kw_null, kw_undefined,
  lparen, rparen, comma,
  plus, minus, star, slash, percent,
  kw_and, kw_or, kw_not,
  equal, not_equal, not_equal_sql,  // '=', '!=', '<>'
  less_equal, greater_equal, greater, less,
  concat, coalesce,                 // '||', '??'
  lbrace, rbrace,
  sys_prop,     // '$' followed by path characters, e.g. $body.a[0]
  identifier,
  query_path,   // path characters including '[' ']' but no '$': never valid
  unknown_char,
};

struct Token {
  TokenKind kind = TokenKind::end;
  std::uint32_t offset = 0;  // byte offset in the route text
  std::uint32_t length = 0;
  // For an unterminated string: where a bad escape stopped it (0: it ran to the end).
  std::uint32_t bad_escape_offset = 0;
};

// Always succeeds: characters no rule takes become unknown_char tokens, which the parser
// reports with their position. The last token is `end`, at the end of the text.
std::vector<Token> tokenize(std::string_view text);

std::string_view token_text(std::string_view text, const Token& token);
// How a token is named in error messages, e.g. "'INTO'", "the end of the route".
std::string describe_token(std::string_view text, const Token& token);

}  // namespace outpost::routing::detail

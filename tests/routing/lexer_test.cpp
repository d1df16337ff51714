// The lexer follows ANTLR's rules for edgeHub's GrammarLexer.g4: longest match, ties to
// the rule listed first. These cases pin down the surprising consequences.
#include "lexer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace outpost::routing::detail {
namespace {

std::vector<TokenKind> kinds(std::string_view text) {
  std::vector<TokenKind> out;
  for (const auto& t : tokenize(text)) out.push_back(t.kind);
  return out;
}

std::vector<std::string> texts(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& t : tokenize(text))
    if (t.kind != TokenKind::end) out.emplace_back(token_text(text, t));
  return out;
}

using K = TokenKind;

TEST(Lexer, KeywordsIgnoreCaseLiteralsDoNot) {
  EXPECT_EQ(kinds("select FROM Where iNtO and OR Not"),
            (std::vector<K>{K::kw_select, K::kw_from, K::kw_where, K::kw_into, K::kw_and, K::kw_or, K::kw_not, K::end}));
  EXPECT_EQ(kinds("true false null undefined"),
            (std::vector<K>{K::kw_true, K::kw_false, K::kw_null, K::kw_undefined, K::end}));
  EXPECT_EQ(kinds("True NULL"), (std::vector<K>{K::identifier, K::identifier, K::end}));
}

TEST(Lexer, LongestMatchWins) {
  EXPECT_EQ(kinds("notes fromage"), (std::vector<K>{K::identifier, K::identifier, K::end}));
  EXPECT_EQ(texts("FROM/messages/modules*"), (std::vector<std::string>{"FROM", "/", "messages", "/", "modules*"}));
  EXPECT_EQ(texts("temp>5"), (std::vector<std::string>{"temp", ">", "5"}));
  // IDs may contain '-', '+', '*', '%', '|', '!': no spaces, no operator.
  EXPECT_EQ(texts("a-b a+b 5%2 x||y !x"), (std::vector<std::string>{"a-b", "a+b", "5%2", "x||y", "!x"}));
  EXPECT_EQ(kinds("a || b"), (std::vector<K>{K::identifier, K::concat, K::identifier, K::end}));
  EXPECT_EQ(kinds("!= <> <= >= < > = ??"),
            (std::vector<K>{K::not_equal, K::not_equal_sql, K::less_equal, K::greater_equal, K::less, K::greater,
                            K::equal, K::coalesce, K::end}));
}

TEST(Lexer, Numbers) {
  EXPECT_EQ(kinds("5 -5 0x1F 1.5 .5 -2.5e3 1e9"),
            (std::vector<K>{K::integer, K::integer, K::hex_integer, K::real, K::real, K::real, K::real, K::end}));
  EXPECT_EQ(kinds("-x - x"), (std::vector<K>{K::identifier, K::minus, K::identifier, K::end}));
  EXPECT_EQ(kinds("1abc 0x1G 1.5.6"), (std::vector<K>{K::identifier, K::identifier, K::identifier, K::end}));
}

TEST(Lexer, Strings) {
  EXPECT_EQ(kinds(R"("a\"b" 'it\'s' '\u00e9')"), (std::vector<K>{K::string, K::string, K::string, K::end}));
  EXPECT_EQ(kinds(R"('a"b' "a'b")"), (std::vector<K>{K::string, K::string, K::end}));
  EXPECT_EQ(kinds("'open"), (std::vector<K>{K::unterminated_string, K::end}));
  const auto bad = tokenize(R"('a\nb')");
  ASSERT_EQ(bad[0].kind, K::unterminated_string);
  EXPECT_EQ(bad[0].bad_escape_offset, 2u);
  // A single quote is an ID character, so a quoted string glued to letters is one ID.
  EXPECT_EQ(kinds("'a'AND"), (std::vector<K>{K::identifier, K::end}));
}

TEST(Lexer, PropertiesAndPaths) {
  EXPECT_EQ(kinds("$body.a.b[0] $connectionDeviceId {$x}"),
            (std::vector<K>{K::sys_prop, K::sys_prop, K::lbrace, K::sys_prop, K::rbrace, K::end}));
  EXPECT_EQ(kinds("a[0]"), (std::vector<K>{K::query_path, K::end}));
  EXPECT_EQ(kinds("@ ; : ? \\"),
            (std::vector<K>{K::unknown_char, K::unknown_char, K::unknown_char, K::unknown_char, K::unknown_char, K::end}));
}

TEST(Lexer, CommentsAndWhitespace) {
  EXPECT_EQ(texts("a /* comment */ = \t\r\n 'b'"), (std::vector<std::string>{"a", "=", "'b'"}));
  // An unclosed "/*" is just '/' and '*': `FROM /* INTO $upstream` is a path.
  EXPECT_EQ(kinds("/* INTO"), (std::vector<K>{K::slash, K::star, K::kw_into, K::end}));
}

TEST(Lexer, OffsetsPointIntoTheText) {
  const std::string text = "FROM /messages INTO $upstream";
  const auto tokens = tokenize(text);
  ASSERT_EQ(tokens.size(), 6u);
  EXPECT_EQ(tokens[4].offset, 20u);
  EXPECT_EQ(token_text(text, tokens[4]), "$upstream");
  EXPECT_EQ(tokens[5].kind, K::end);
  EXPECT_EQ(tokens[5].offset, text.size());
}

}  // namespace
}  // namespace outpost::routing::detail

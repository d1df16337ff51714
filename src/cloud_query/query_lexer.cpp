#include "query_lexer.h"

#include <fmt/format.h>

namespace outpost::cloud::query {
namespace {

bool identifier_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$'; }
bool identifier_char(char c) { return identifier_start(c) || (c >= '0' && c <= '9') || c == '-'; }
bool digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

Result<std::vector<Token>> tokenize(std::string_view text) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++i;
      continue;
    }
    const std::size_t start = i;
    if (identifier_start(c)) {
      while (i < text.size() && identifier_char(text[i])) ++i;
      tokens.push_back({Token::Kind::identifier, std::string(text.substr(start, i - start)), start});
      continue;
    }
    if (digit(c) || ((c == '-' || c == '+') && i + 1 < text.size() && (digit(text[i + 1]) || text[i + 1] == '.')) ||
        (c == '.' && i + 1 < text.size() && digit(text[i + 1]) && (tokens.empty() || tokens.back().kind != Token::Kind::identifier))) {
      if (c == '-' || c == '+') ++i;
      while (i < text.size() && digit(text[i])) ++i;
      if (i < text.size() && text[i] == '.') {
        ++i;
        while (i < text.size() && digit(text[i])) ++i;
      }
      if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
        if (i >= text.size() || !digit(text[i])) return make_error(fmt::format("at {}: malformed number exponent", start));
        while (i < text.size() && digit(text[i])) ++i;
      }
      tokens.push_back({Token::Kind::number, std::string(text.substr(start, i - start)), start});
      continue;
    }
    if (c == '\'' || c == '"') {
      std::string value;
      ++i;
      bool closed = false;
      while (i < text.size()) {
        const char d = text[i++];
        if (d == c) {
          // A doubled quote inside a string stands for the quote itself (SQL style).
          if (i < text.size() && text[i] == c) {
            value += c;
            ++i;
            continue;
          }
          closed = true;
          break;
        }
        if (d == '\\' && i < text.size()) {
          const char e = text[i++];
          switch (e) {
            case 'n': value += '\n'; break;
            case 't': value += '\t'; break;
            case 'r': value += '\r'; break;
            default: value += e;
          }
          continue;
        }
        value += d;
      }
      if (!closed) return make_error(fmt::format("at {}: unterminated string", start));
      tokens.push_back({Token::Kind::string, std::move(value), start});
      continue;
    }
    static constexpr std::string_view two[] = {"<=", ">=", "<>", "!="};
    bool matched = false;
    for (const auto op : two) {
      if (text.substr(i, 2) == op) {
        tokens.push_back({Token::Kind::symbol, std::string(op), start});
        i += 2;
        matched = true;
        break;
      }
    }
    if (matched) continue;
    if (std::string_view("=<>(),.*[]").find(c) != std::string_view::npos) {
      tokens.push_back({Token::Kind::symbol, std::string(1, c), start});
      ++i;
      continue;
    }
    const auto u = static_cast<unsigned char>(c);
    return make_error(u >= 0x20 && u < 0x7f ? fmt::format("at {}: unexpected character '{}'", start, c)
                                            : fmt::format("at {}: unexpected byte 0x{:02x}", start, u));
  }
  tokens.push_back({Token::Kind::end, "", text.size()});
  return tokens;
}

}  // namespace outpost::cloud::query

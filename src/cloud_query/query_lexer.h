// Tokens of the IoT Hub query language. Keywords are matched case-insensitively by the
// parser; the lexer only classifies.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "outpost/core/result.h"

namespace outpost::cloud::query {

struct Token {
  enum class Kind { identifier, string, number, symbol, end } kind;
  std::string text;  // identifier/symbol as written; string literal decoded; number as written
  std::size_t position = 0;  // 0-based offset into the query
};

// Errors name the offset and the fault, e.g. "at 14: unterminated string".
Result<std::vector<Token>> tokenize(std::string_view text);

}  // namespace outpost::cloud::query

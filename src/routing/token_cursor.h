// The parsers' view of a route: its tokens, a position, and the first error (later errors
// are usually consequences of the first, so only that one is kept).
#pragma once
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "outpost/core/result.h"
#include "diagnostics.h"
#include "lexer.h"

namespace outpost::routing::detail {

class TokenCursor {
 public:
  TokenCursor(std::string_view route_name, std::string_view text)
      : name_(route_name), text_(text), tokens_(tokenize(text)) {}

  const Token& peek() const { return tokens_[position_]; }
  const Token& next() {
    const Token& t = tokens_[position_];
    if (position_ + 1 < tokens_.size()) ++position_;  // `end` stays current
    return t;
  }
  std::string_view text() const { return text_; }
  std::string_view text_of(const Token& t) const { return token_text(text_, t); }
  std::string describe(const Token& t) const { return describe_token(text_, t); }
  std::size_t column_of(std::size_t offset) const {
    const auto line_start = text_.rfind('\n', offset == 0 ? 0 : offset - 1);
    return line_start == std::string_view::npos ? offset + 1 : offset - line_start;
  }

  // Records the first error; returns -1 so node builders can `return fail(...)`.
  std::int32_t fail(std::size_t offset, std::string_view what) {
    if (!error_) error_ = route_error(name_, text_, offset, what);
    return -1;
  }
  bool failed() const { return error_.has_value(); }
  const Error& error() const { return *error_; }

 private:
  std::string_view name_;
  std::string_view text_;
  std::vector<Token> tokens_;
  std::size_t position_ = 0;
  std::optional<Error> error_;
};

}  // namespace outpost::routing::detail

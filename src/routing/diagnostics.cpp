#include "diagnostics.h"

#include <fmt/format.h>

namespace outpost::routing::detail {

Error route_error(std::string_view route_name, std::string_view text, std::size_t offset,
                  std::string_view what) {
  offset = std::min(offset, text.size());
  std::size_t line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  const std::size_t column = offset - line_start + 1;
  if (line == 1) return make_error(fmt::format("route '{}': column {}: {}", route_name, column, what));
  return make_error(fmt::format("route '{}': line {}, column {}: {}", route_name, line, column, what));
}

}  // namespace outpost::routing::detail

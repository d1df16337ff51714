// Route errors name the route, where in its text, and what is wrong:
//   route 'r1': column 27: unknown function 'foo'
// Columns are 1-based byte positions in the whole route string (not just the condition,
// as edgeHub reports them); a route with line breaks also gets a line number.
#pragma once
#include <cstddef>
#include <string_view>

#include "outpost/core/result.h"

namespace outpost::routing::detail {

Error route_error(std::string_view route_name, std::string_view text, std::size_t offset,
                  std::string_view what);

}  // namespace outpost::routing::detail

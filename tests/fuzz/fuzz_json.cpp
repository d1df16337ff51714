// Fuzz target: parse_json(). Whatever it accepts must be shallow enough to copy, dump and
// reparse (the operations that recurse), and the reparse must agree.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "outpost/core/json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  constexpr std::size_t kLimit = 16;  // small, so the mutator reaches the limit often
  auto parsed = outpost::parse_json(input, kLimit);
  if (!parsed) return 0;
  if (outpost::json_value_depth(*parsed, kLimit) > kLimit) std::abort();
  const nlohmann::json copy = *parsed;
  const auto again = outpost::parse_json(copy.dump(), kLimit);
  if (!again || *again != *parsed) std::abort();
  return 0;
}

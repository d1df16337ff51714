// Fuzz target: MQTT 5 property blocks. The first byte picks the packet (the context decides
// which properties are allowed); the rest is the block. Whatever decodes must re-encode to a
// block that decodes to the same properties, and nothing may crash or run past the input.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "outpost/mqtt_codec/properties.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace outpost::mqtt;
  if (size == 0) return 0;
  const auto context = static_cast<PropertyContext>(data[0] % 14);
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto before = input.size();
  auto decoded = decode_properties(input, context, "FUZZ");
  if (!decoded) return 0;
  if (input.size() > before) std::abort();
  std::string wire;
  encode_properties(wire, *decoded);
  std::string_view again(wire);
  auto redecoded = decode_properties(again, context, "FUZZ");
  if (!redecoded || !again.empty() || !(*redecoded == *decoded)) std::abort();
  return 0;
}

// Fuzz target: MQTT framing and packet decoding. Whatever decodes must re-encode to bytes
// that decode to the same packet kind.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "outpost/mqtt_codec/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  outpost::mqtt::FrameReader reader(64 * 1024);
  reader.append(std::string_view(reinterpret_cast<const char*>(data), size));
  for (int i = 0; i < 64; ++i) {
    auto frame = reader.next();
    if (!frame || !*frame) break;
    auto packet = outpost::mqtt::decode_packet(**frame);
    if (!packet) continue;
    std::string wire;
    outpost::mqtt::encode(wire, *packet);
    outpost::mqtt::FrameReader again(1 << 20);
    again.append(wire);
    auto frame2 = again.next();
    if (!frame2 || !*frame2) std::abort();
    auto packet2 = outpost::mqtt::decode_packet(**frame2);
    if (!packet2 || packet2->index() != packet->index()) std::abort();
  }
  return 0;
}

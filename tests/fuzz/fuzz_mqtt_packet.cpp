// Fuzz target: MQTT framing and packet decoding, at 3.1.1 and at 5. Whatever decodes must
// re-encode (at the same level) to bytes that decode to the same packet kind.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "outpost/mqtt_codec/codec.h"

namespace {

void check_round_trip(const outpost::mqtt::Frame& frame, std::uint8_t level) {
  auto packet = outpost::mqtt::decode_packet(frame, level);
  if (!packet) return;
  // A CONNECT is written at its own level: decode it back at that level.
  const auto* connect = std::get_if<outpost::mqtt::ConnectPacket>(&*packet);
  const std::uint8_t back_level = connect ? connect->protocol_level : level;
  std::string wire;
  outpost::mqtt::encode(wire, *packet, level);
  outpost::mqtt::FrameReader again(1 << 20);
  again.append(wire);
  auto frame2 = again.next();
  if (!frame2 || !*frame2) std::abort();
  auto packet2 = outpost::mqtt::decode_packet(**frame2, back_level);
  if (!packet2 || packet2->index() != packet->index()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  outpost::mqtt::FrameReader reader(64 * 1024);
  reader.append(std::string_view(reinterpret_cast<const char*>(data), size));
  for (int i = 0; i < 64; ++i) {
    auto frame = reader.next();
    if (!frame || !*frame) break;
    check_round_trip(**frame, outpost::mqtt::kMqtt311);
    check_round_trip(**frame, outpost::mqtt::kMqtt5);
  }
  return 0;
}

#include "outpost/mqtt_codec/codec.h"

#include <gtest/gtest.h>

namespace outpost::mqtt {
namespace {

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out += static_cast<char>(v);
  return out;
}

Result<Packet> decode_one(const std::string& wire) {
  FrameReader reader(1 << 20);
  reader.append(wire);
  auto frame = reader.next();
  if (!frame) return make_error(frame.error());
  if (!*frame) return make_error("incomplete");
  return decode_packet(**frame);
}

template <typename T>
T round_trip(const T& packet) {
  std::string wire;
  encode(wire, Packet{packet});
  auto decoded = decode_one(wire);
  EXPECT_TRUE(decoded) << decoded.error();
  return std::get<T>(*decoded);
}

// The CONNECT the Node SDK sends (sdk-wire-facts.md (b)): flags c0, keep-alive 180.
TEST(MqttCodec, DecodesTheNodeSdkConnect) {
  ConnectPacket c;
  c.clean_session = false;
  c.keep_alive_secs = 180;
  c.client_id = "dev1/mod1";
  c.username = "myhub.azure-devices.net/dev1/mod1/?api-version=2021-04-12";
  c.password = "SharedAccessSignature sr=x&sig=y&se=1";
  std::string wire;
  encode(wire, c);
  EXPECT_EQ(wire.substr(2, 10), bytes({0, 4, 'M', 'Q', 'T', 'T', 4, 0xc0, 0, 0xb4}));
  const auto back = round_trip(c);
  EXPECT_EQ(back.client_id, "dev1/mod1");
  EXPECT_FALSE(back.clean_session);
  EXPECT_EQ(back.keep_alive_secs, 180);
  EXPECT_EQ(back.username, c.username);
  EXPECT_EQ(back.password, c.password);
}

TEST(MqttCodec, RoundTripsEveryPacket) {
  ConnectPacket with_will;
  with_will.client_id = "c";
  with_will.will = Will{"devices/d/messages/events/", "bye", 1, true};
  EXPECT_EQ(round_trip(with_will).will->payload, "bye");
  EXPECT_EQ(round_trip(with_will).will->qos, 1);
  EXPECT_TRUE(round_trip(ConnackPacket{true, ConnectReturnCode::accepted}).session_present);
  PublishPacket pub{"a/b", std::string("\0\1payload", 9), 1, true, true, 77};
  const auto p = round_trip(pub);
  EXPECT_EQ(p.topic, "a/b");
  EXPECT_EQ(p.payload, pub.payload);
  EXPECT_EQ(p.packet_id, 77);
  EXPECT_TRUE(p.retain);
  EXPECT_TRUE(p.dup);
  EXPECT_EQ(round_trip(PubackPacket{9}).packet_id, 9);
  const auto sub = round_trip(SubscribePacket{5, {{"$iothub/twin/res/#", 0}, {"devices/d/modules/m/#", 1}}});
  ASSERT_EQ(sub.subscriptions.size(), 2u);
  EXPECT_EQ(sub.subscriptions[1].filter, "devices/d/modules/m/#");
  EXPECT_EQ(sub.subscriptions[1].qos, 1);
  EXPECT_EQ(round_trip(SubackPacket{5, {0, 1, kSubackFailure}}).return_codes,
            (std::vector<std::uint8_t>{0, 1, 0x80}));
  EXPECT_EQ(round_trip(UnsubscribePacket{6, {"x/#"}}).filters.at(0), "x/#");
  EXPECT_EQ(round_trip(UnsubackPacket{6}).packet_id, 6);
  round_trip(PingreqPacket{});
  round_trip(PingrespPacket{});
  round_trip(DisconnectPacket{});
}

TEST(MqttCodec, EncodesMultiByteRemainingLength) {
  std::string wire;
  encode_publish(wire, "t", std::string(200000, 'x'), 0, 0);
  // 2 + 1 + 200000 = 200003 = 0x30D43 -> C3 9A 0C
  EXPECT_EQ(wire.substr(0, 4), bytes({0x30, 0xc3, 0x9a, 0x0c}));
  EXPECT_EQ(std::get<PublishPacket>(*decode_one(wire)).payload.size(), 200000u);
}

TEST(FrameReader, ReassemblesFramesSplitAtEveryByte) {
  std::string wire;
  encode(wire, Packet{PublishPacket{"devices/d/messages/events/", "hello", 1, false, false, 3}});
  encode(wire, Packet{PingreqPacket{}});
  for (std::size_t split = 0; split <= wire.size(); ++split) {
    FrameReader reader(1024);
    reader.append(wire.substr(0, split));
    int frames = 0;
    while (true) {
      auto f = reader.next();
      ASSERT_TRUE(f);
      if (!*f) break;
      ++frames;
    }
    reader.append(wire.substr(split));
    while (true) {
      auto f = reader.next();
      ASSERT_TRUE(f);
      if (!*f) break;
      ++frames;
    }
    EXPECT_EQ(frames, 2) << "split at " << split;
  }
}

TEST(FrameReader, RejectsOversizedAndMalformedLengths) {
  FrameReader small(100);
  small.append(bytes({0x30, 0xff, 0x01}));  // 255 bytes announced
  EXPECT_EQ(small.next().error(), "packet of 258 bytes exceeds the limit of 100 bytes");
  FrameReader five(1 << 30);
  five.append(bytes({0x30, 0xff, 0xff, 0xff, 0xff, 0x01}));
  EXPECT_EQ(five.next().error(), "malformed remaining length (more than 4 bytes)");
}

struct BadPacket {
  std::string wire;
  std::string error;
};

class MalformedPacketTest : public ::testing::TestWithParam<BadPacket> {};

TEST_P(MalformedPacketTest, NamesPacketAndFault) {
  const auto result = decode_one(GetParam().wire);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Mqtt311Rules, MalformedPacketTest,
    ::testing::Values(
        BadPacket{bytes({0x10, 0x03, 0, 4, 'M'}), "CONNECT: truncated variable header"},
        BadPacket{bytes({0x10, 12, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x01, 0, 60, 0, 0}),
                  "CONNECT: reserved connect flag is set"},
        BadPacket{bytes({0x10, 12, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x40, 0, 60, 0, 0}),
                  "CONNECT: password without a user name"},
        BadPacket{bytes({0x10, 12, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x08, 0, 60, 0, 0}),
                  "CONNECT: will QoS or retain set without a will"},
        BadPacket{bytes({0x11, 12, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 60, 0, 0}),
                  "CONNECT: reserved flags are not 0"},
        BadPacket{bytes({0x10, 13, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 60, 0, 1, 0}),
                  "CONNECT: client identifier is not valid UTF-8"},
        BadPacket{bytes({0x36, 5, 0, 1, 't', 0, 1}), "PUBLISH: QoS 3 is invalid"},
        BadPacket{bytes({0x38, 3, 0, 1, 't'}), "PUBLISH: DUP set on a QoS 0 message"},
        BadPacket{bytes({0x32, 5, 0, 1, 't', 0, 0}), "PUBLISH: packet identifier 0"},
        BadPacket{bytes({0x30, 3, 0, 1, '#'}), "PUBLISH: topic name contains a wildcard"},
        BadPacket{bytes({0x30, 2, 0, 0}), "PUBLISH: empty topic name"},
        BadPacket{bytes({0x30, 1, 0}), "PUBLISH: truncated topic name"},
        BadPacket{bytes({0x80, 6, 0, 1, 0, 1, 'a', 0}), "SUBSCRIBE: fixed-header flags must be 0010"},
        BadPacket{bytes({0x82, 2, 0, 1}), "SUBSCRIBE: no topic filters"},
        BadPacket{bytes({0x82, 6, 0, 1, 0, 1, 'a', 3}), "SUBSCRIBE: requested QoS byte 0x3 is invalid"},
        BadPacket{bytes({0x82, 7, 0, 1, 0, 2, '#', 'a', 0}),
                  "SUBSCRIBE: '#' must be the whole last level of a topic filter"},
        BadPacket{bytes({0xa2, 2, 0, 1}), "UNSUBSCRIBE: no topic filters"},
        BadPacket{bytes({0x40, 3, 0, 1, 0}), "PUBACK: must be exactly a packet identifier"},
        BadPacket{bytes({0xc0, 1, 0}), "PINGREQ: must have no flags and no body"},
        BadPacket{bytes({0xe1, 0}), "DISCONNECT: must have no flags and no body"},
        BadPacket{bytes({0xf0, 0}), "reserved packet type 15"},
        BadPacket{bytes({0x00, 0}), "reserved packet type 0"}));

}  // namespace
}  // namespace outpost::mqtt

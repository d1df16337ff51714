#include <gtest/gtest.h>

#include "record_codec.h"
#include "segment_format.h"
#include "store_test_util.h"

namespace outpost::store {
namespace {

std::string_view payload_of(const std::string& frame) {
  return std::string_view(frame).substr(kRecordHeaderBytes);
}

TEST(RecordCodec, MessageRoundTripsWithOrderAndNullValues) {
  const Message m = testing::make_message("{\"t\":1}", "id-1");
  const std::vector<QueueTarget> targets{{3, 0}, {7, 1'700'000'123'456}};
  const auto frame = encode_message_frame(42, 1'700'000'000'000, targets, m);
  auto payload = open_frame(frame, RecordType::message);
  ASSERT_TRUE(payload) << payload.error();
  auto rec = decode_message(*payload);
  ASSERT_TRUE(rec) << rec.error();
  EXPECT_EQ(rec->seq, 42u);
  EXPECT_EQ(rec->enqueued_at_ms, 1'700'000'000'000);
  ASSERT_EQ(rec->targets.size(), 2u);
  EXPECT_EQ(rec->targets[1].queue, 7u);
  EXPECT_EQ(rec->targets[1].expires_at_ms, 1'700'000'123'456);
  EXPECT_EQ(rec->message, m);
  // The null property stays null, the empty one stays empty.
  ASSERT_NE(rec->message.application.find("flag"), nullptr);
  EXPECT_FALSE(rec->message.application.find("flag")->value.has_value());
  EXPECT_EQ(rec->message.application.find("empty")->value, std::optional<std::string>(""));
  std::vector<std::string> names;
  for (const auto& p : rec->message.application) names.push_back(p.name);
  EXPECT_EQ(names, (std::vector<std::string>{"temperature", "flag", "empty"}));
}

TEST(RecordCodec, SettingTheSequenceReseals) {
  auto frame = encode_message_frame(0, 5, std::vector<QueueTarget>{{1, 0}}, testing::make_message("b"));
  set_message_frame_seq(frame, 99);
  auto payload = open_frame(frame, RecordType::message);
  ASSERT_TRUE(payload) << payload.error();
  EXPECT_EQ(decode_message_head(*payload)->seq, 99u);
}

TEST(RecordCodec, AckAndQueueDefRoundTrip) {
  const std::vector<AckEntry> entries{{1, 10}, {2, 11}, {1, 12}};
  const auto ack = encode_ack_frame(AckReason::expired, entries);
  auto decoded = decode_ack(payload_of(ack));
  ASSERT_TRUE(decoded) << decoded.error();
  EXPECT_EQ(decoded->reason, AckReason::expired);
  ASSERT_EQ(decoded->entries.size(), 3u);
  EXPECT_EQ(decoded->entries[2].seq, 12u);

  const auto def = encode_queue_def_frame(5, "$upstream_Pri0");
  auto queue = decode_queue_def(payload_of(def));
  ASSERT_TRUE(queue) << queue.error();
  EXPECT_EQ(queue->queue, 5u);
  EXPECT_EQ(queue->name, "$upstream_Pri0");
}

TEST(RecordCodec, EveryTruncationOfAPayloadIsAnErrorNotACrash) {
  const auto frame = encode_message_frame(1, 2, std::vector<QueueTarget>{{1, 0}, {2, 3}},
                                          testing::make_message("body"));
  const auto payload = payload_of(frame);
  for (std::size_t n = 0; n < payload.size(); ++n) {
    EXPECT_FALSE(decode_message(payload.substr(0, n))) << n;
    EXPECT_FALSE(decode_message_head(payload.substr(0, n))) << n;
  }
  const auto ack = encode_ack_frame(AckReason::delivered, std::vector<AckEntry>{{1, 2}});
  for (std::size_t n = 0; n < ack.size() - kRecordHeaderBytes; ++n)
    EXPECT_FALSE(decode_ack(payload_of(ack).substr(0, n))) << n;
}

TEST(RecordCodec, HugeCountsAreRejectedBeforeAllocating) {
  std::string payload(8 + 8, '\0');
  payload[0] = 1;                       // seq 1
  payload += std::string("\xff\xff\xff\x7f", 4);  // 2^31 targets in a 20-byte payload
  auto rec = decode_message(payload);
  ASSERT_FALSE(rec);
  EXPECT_NE(rec.error().find("target count"), std::string::npos) << rec.error();
}

TEST(RecordCodec, OpenFrameRejectsDamage) {
  auto frame = encode_queue_def_frame(1, "q");
  EXPECT_TRUE(open_frame(frame, RecordType::queue_def));
  EXPECT_FALSE(open_frame(frame, RecordType::ack));
  frame.back() ^= 1;
  auto damaged = open_frame(frame, RecordType::queue_def);
  ASSERT_FALSE(damaged);
  EXPECT_NE(damaged.error().find("checksum"), std::string::npos);
}

TEST(SegmentFormat, FileNamesRoundTripAndRejectStrangers) {
  EXPECT_EQ(segment_file_name(SegmentId{1}), "00000000000000000001.seg");
  EXPECT_EQ(parse_segment_file_name("00000000000000000042.seg"), SegmentId{42});
  EXPECT_FALSE(parse_segment_file_name("00000000000000000000.seg"));
  EXPECT_FALSE(parse_segment_file_name("0000000000000000001.seg"));
  EXPECT_FALSE(parse_segment_file_name("00000000000000000001.seg.corrupt"));
  EXPECT_FALSE(parse_segment_file_name("99999999999999999999.seg"));
  EXPECT_FALSE(parse_segment_file_name("LOCK"));
}

TEST(SegmentFormat, HeaderChecks) {
  SegmentHeader h;
  h.id = SegmentId{7};
  h.base_seq = 1234;
  auto bytes = encode_segment_header(h);
  ASSERT_EQ(bytes.size(), kSegmentHeaderBytes);
  SegmentHeader back;
  EXPECT_EQ(decode_segment_header(bytes, back), HeaderCheck::ok);
  EXPECT_EQ(back.id, SegmentId{7});
  EXPECT_EQ(back.base_seq, 1234u);
  EXPECT_EQ(decode_segment_header(bytes.substr(0, 31), back), HeaderCheck::too_short);
  auto flipped = bytes;
  flipped[20] ^= 1;
  EXPECT_EQ(decode_segment_header(flipped, back), HeaderCheck::bad_checksum);
  auto magic = bytes;
  magic[0] = 'X';
  EXPECT_EQ(decode_segment_header(magic, back), HeaderCheck::bad_magic);
  h.version = 2;
  EXPECT_EQ(decode_segment_header(encode_segment_header(h), back), HeaderCheck::unsupported_version);
}

}  // namespace
}  // namespace outpost::store

#include <gtest/gtest.h>

#include "record_codec.h"
#include "segment.h"
#include "segment_reader.h"
#include "store_test_util.h"

namespace outpost::store {
namespace {

struct Written {
  SegmentPtr segment;
  std::vector<std::uint64_t> ends;  // file offset after each record
};

Written write_segment(const std::filesystem::path& folder, int records) {
  auto created = Segment::create(folder, SegmentId{1}, 1);
  EXPECT_TRUE(created) << created.error();
  Written w{*created, {}};
  for (int i = 0; i < records; ++i) {
    const auto frame = encode_message_frame(static_cast<Sequence>(i + 1), 0,
                                            std::vector<QueueTarget>{{1, 0}},
                                            testing::make_message(std::string(20 + i, 'a')));
    EXPECT_TRUE(w.segment->append(frame));
    w.ends.push_back(w.segment->size());
  }
  EXPECT_TRUE(w.segment->write_pending());  // appends are buffered; the reader reads the file
  return w;
}

TEST(SegmentReader, ReadsEveryRecordThenStopsCleanly) {
  testing::TempDir dir;
  auto w = write_segment(dir.path(), 5);
  SegmentReader reader(*w.segment, 4096);
  SegmentHeader header;
  ASSERT_EQ(reader.read_header(header), HeaderCheck::ok);
  EXPECT_EQ(header.id, SegmentId{1});
  int n = 0;
  while (auto r = reader.next()) {
    EXPECT_EQ(r->type, RecordType::message);
    EXPECT_EQ(r->offset + r->frame_bytes, w.ends[n]);
    EXPECT_EQ(decode_message(r->payload)->seq, static_cast<Sequence>(n + 1));
    ++n;
  }
  EXPECT_EQ(n, 5);
  EXPECT_EQ(reader.stop(), ReadStop::end);
  EXPECT_EQ(reader.stop_offset(), w.segment->size());
}

TEST(SegmentReader, RecordsSpanningChunksAreReadWhole) {
  testing::TempDir dir;
  auto created = Segment::create(dir.path(), SegmentId{1}, 1);
  ASSERT_TRUE(created);
  for (int i = 0; i < 20; ++i) {
    const auto frame = encode_message_frame(static_cast<Sequence>(i + 1), 0, std::vector<QueueTarget>{{1, 0}},
                                            testing::make_message(std::string(3000 + i * 97, 'z')));
    ASSERT_TRUE((*created)->append(frame));
  }
  ASSERT_TRUE((*created)->write_pending());
  SegmentReader reader(**created, 4096);  // smaller than two records
  SegmentHeader header;
  ASSERT_EQ(reader.read_header(header), HeaderCheck::ok);
  int n = 0;
  while (auto r = reader.next()) {
    ASSERT_TRUE(decode_message(r->payload)) << n;
    ++n;
  }
  EXPECT_EQ(n, 20);
  EXPECT_EQ(reader.stop(), ReadStop::end);
}

TEST(SegmentReader, ACutRecordIsTornAndAFlippedByteIsABadChecksum) {
  testing::TempDir dir;
  auto w = write_segment(dir.path(), 3);
  ASSERT_TRUE(w.segment->truncate(w.ends[2] - 5));
  {
    SegmentReader reader(*w.segment);
    SegmentHeader header;
    ASSERT_EQ(reader.read_header(header), HeaderCheck::ok);
    int n = 0;
    while (reader.next()) ++n;
    EXPECT_EQ(n, 2);
    EXPECT_EQ(reader.stop(), ReadStop::torn);
    EXPECT_EQ(reader.stop_offset(), w.ends[1]);
  }
  // Flip one payload byte of the first record.
  auto bytes = testing::read_file(w.segment->path());
  bytes[kSegmentHeaderBytes + kRecordHeaderBytes + 3] ^= 0x10;
  testing::write_file(w.segment->path(), bytes);
  auto reopened = Segment::open(w.segment->path(), SegmentId{1});
  ASSERT_TRUE(reopened);
  SegmentReader reader(**reopened);
  SegmentHeader header;
  ASSERT_EQ(reader.read_header(header), HeaderCheck::ok);
  EXPECT_FALSE(reader.next());
  EXPECT_EQ(reader.stop(), ReadStop::bad_checksum);
  EXPECT_EQ(reader.stop_offset(), kSegmentHeaderBytes);
}

TEST(SegmentReader, ZeroFilledTailIsNotARecord) {
  // After a power cut a file can end in zeros (size extended, data not written).
  testing::TempDir dir;
  auto w = write_segment(dir.path(), 2);
  ASSERT_TRUE(w.segment->append(std::string(100, '\0')));
  ASSERT_TRUE(w.segment->write_pending());
  SegmentReader reader(*w.segment);
  SegmentHeader header;
  ASSERT_EQ(reader.read_header(header), HeaderCheck::ok);
  int n = 0;
  while (reader.next()) ++n;
  EXPECT_EQ(n, 2);
  EXPECT_EQ(reader.stop(), ReadStop::bad_length);
  EXPECT_EQ(reader.stop_offset(), w.ends[1]);
}

}  // namespace
}  // namespace outpost::store

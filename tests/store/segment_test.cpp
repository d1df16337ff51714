// One segment file: appends are buffered until written, writers take turns, and a failed
// write breaks the segment and hands back exactly what it lost.
#include <gtest/gtest.h>

#include <thread>

#include "segment.h"
#include "segment_format.h"
#include "store_test_util.h"

namespace outpost::store {
namespace {

class SegmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = Segment::create(dir_.path(), SegmentId{1}, 1, "PREAMBLE");
    ASSERT_TRUE(created) << created.error();
    segment_ = *created;
  }
  std::uint64_t file_size() const { return std::filesystem::file_size(segment_->path()); }

  testing::TempDir dir_;
  SegmentPtr segment_;
};

TEST_F(SegmentTest, HeaderAndPreambleAreWrittenAtCreation) {
  EXPECT_EQ(segment_->size(), kSegmentHeaderBytes + 8);
  EXPECT_EQ(segment_->written(), segment_->size());
  EXPECT_EQ(file_size(), segment_->size());
  EXPECT_EQ(testing::read_file(segment_->path()).substr(kSegmentHeaderBytes), "PREAMBLE");
}

TEST_F(SegmentTest, AppendsStayInMemoryUntilWritten) {
  const auto start = segment_->size();
  auto waiting = segment_->append("first|");
  ASSERT_TRUE(waiting);
  EXPECT_EQ(*waiting, 6u);
  ASSERT_TRUE(segment_->append("second"));
  EXPECT_EQ(segment_->size(), start + 12);
  EXPECT_EQ(segment_->written(), start) << "append() must not write";
  EXPECT_EQ(file_size(), start);

  ASSERT_TRUE(segment_->write_pending());
  EXPECT_EQ(segment_->written(), start + 12);
  EXPECT_EQ(file_size(), start + 12);
  EXPECT_EQ(testing::read_file(segment_->path()).substr(start), "first|second");
  ASSERT_TRUE(segment_->write_pending()) << "nothing left to write is not an error";
}

TEST_F(SegmentTest, ReadingBufferedBytesWritesThemFirst) {
  const auto start = segment_->size();
  ASSERT_TRUE(segment_->append("buffered"));
  std::string out;
  ASSERT_TRUE(segment_->read(start, 8, out));
  EXPECT_EQ(out, "buffered");
  EXPECT_EQ(file_size(), start + 8);
}

TEST_F(SegmentTest, ConcurrentWritersLeaveNoHole) {
  // The store appends under its lock while the sync thread and the appender's own
  // overflow writes call write_pending(): the file must be the appends, in order.
  std::string expected = testing::read_file(segment_->path());
  std::atomic<bool> done{false};
  std::thread flusher([&] {
    while (!done) ASSERT_TRUE(segment_->write_pending());
  });
  for (int i = 0; i < 20'000; ++i) {
    const auto record = std::to_string(i) + ";";
    ASSERT_TRUE(segment_->append(record));
    expected += record;
    if (i % 1000 == 0) {
      ASSERT_TRUE(segment_->write_pending());
    }
  }
  done = true;
  flusher.join();
  ASSERT_TRUE(segment_->write_pending());
  EXPECT_EQ(segment_->written(), expected.size());
  EXPECT_EQ(testing::read_file(segment_->path()), expected);
}

TEST_F(SegmentTest, RecordsLargerThanABufferBlockAreWrittenWhole) {
  // The buffer is a list of 64 KiB blocks written with one pwritev; records straddle them.
  std::string expected = testing::read_file(segment_->path());
  for (int i = 0; i < 5; ++i) {
    std::string record(150'000 + i * 7'777, static_cast<char>('A' + i));
    ASSERT_TRUE(segment_->append(record));
    ASSERT_TRUE(segment_->append("|"));
    expected += record + "|";
  }
  ASSERT_TRUE(segment_->write_pending());
  EXPECT_EQ(testing::read_file(segment_->path()), expected);
}

TEST_F(SegmentTest, AWriteFailingHalfwayThroughABlockLosesAllOfIt) {
  const auto start = segment_->size();
  const std::string big(200'000, 'x');
  ASSERT_TRUE(segment_->append(big));
  {
    testing::FileSizeLimit limit(start + 100'000);  // the write stops inside the second block
    ASSERT_FALSE(segment_->write_pending());
  }
  EXPECT_EQ(file_size(), start);
  auto lost = segment_->take_lost();
  ASSERT_TRUE(lost);
  EXPECT_EQ(lost->offset, start);
  EXPECT_EQ(lost->bytes, big);
}

TEST_F(SegmentTest, AFailedWriteBreaksItAndHandsBackWhatWasLost) {
  const auto good = segment_->size();
  ASSERT_TRUE(segment_->append(std::string(100, 'a')));
  ASSERT_TRUE(segment_->write_pending());
  const auto written = segment_->size();
  ASSERT_TRUE(segment_->append(std::string(100, 'b')));
  ASSERT_TRUE(segment_->append(std::string(100, 'c')));
  {
    testing::FileSizeLimit limit(written + 150);  // half of the next write fits
    const auto failed = segment_->write_pending();
    ASSERT_FALSE(failed);
    EXPECT_NE(failed.error().find("cannot write"), std::string::npos) << failed.error();
  }
  EXPECT_TRUE(segment_->broken());
  EXPECT_EQ(file_size(), written) << "the partial write must be cut back off";
  EXPECT_EQ(segment_->written(), written);
  EXPECT_FALSE(segment_->lost(good));
  EXPECT_FALSE(segment_->lost(written));
  EXPECT_TRUE(segment_->lost(written + 1));
  EXPECT_TRUE(segment_->lost(written + 200));
  EXPECT_FALSE(segment_->append("more")) << "nothing may be appended behind a failed write";
  EXPECT_FALSE(segment_->write_pending()) << "the loss stays visible to later writers";

  auto lost = segment_->take_lost();
  ASSERT_TRUE(lost);
  EXPECT_EQ(lost->offset, written);
  EXPECT_EQ(lost->bytes, std::string(100, 'b') + std::string(100, 'c'));
  EXPECT_EQ(segment_->size(), written) << "size() is back to what the file holds";
  EXPECT_FALSE(segment_->take_lost()) << "handed back once";
  std::string out;
  EXPECT_TRUE(segment_->read(good, 100, out));
  EXPECT_EQ(out, std::string(100, 'a'));
}

// Callers tell a full disk (stop taking messages, keep serving) from damage and other I/O.
TEST(SegmentErrorKinds, AFullDiskIsStorageFull) {
  // /dev/full answers every write with ENOSPC, as a full file system does.
  auto full = Segment::open("/dev/full", SegmentId{9});
  if (!full) GTEST_SKIP() << "no /dev/full here: " << full.error();
  ASSERT_TRUE((*full)->append("some bytes"));
  const auto written = (*full)->write_pending();
  ASSERT_FALSE(written) << "a write to /dev/full succeeded";
  EXPECT_EQ(written.error_kind(), ErrorKind::storage_full) << written.error();
  EXPECT_NE(written.error().find("/dev/full"), std::string::npos) << written.error();
}

TEST(SegmentErrorKinds, ADamagedRecordIsStorageCorrupt) {
  std::string frame = begin_frame(RecordType::ack);
  frame += "payload";
  seal_frame(frame);
  ASSERT_TRUE(open_frame(frame, RecordType::ack));
  frame.back() ^= 1;
  const auto opened = open_frame(frame, RecordType::ack);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error_kind(), ErrorKind::storage_corrupt) << opened.error();
  EXPECT_EQ(open_frame("x", RecordType::ack).error_kind(), ErrorKind::storage_corrupt);
}

}  // namespace
}  // namespace outpost::store

// Reopening after damage: torn tails, garbage, corruption in older segments, bad headers.
#include <gtest/gtest.h>

#include <random>

#include "record_codec.h"
#include "segment.h"
#include "segment_format.h"
#include "segment_reader.h"
#include "store_test_util.h"

namespace outpost::store {
namespace {

using testing::make_message;
using testing::options_for;
using testing::seqs_of;

class RecoveryTest : public ::testing::Test {
 protected:
  std::unique_ptr<MessageStore> open(StoreOptions o) { return testing::open_store(o, clock_); }
  std::unique_ptr<MessageStore> open() { return open(options_for(dir_.path())); }

  // Replaces the folder's segment files with `files` (name -> content).
  void restore(const std::map<std::string, std::string>& files) {
    for (const auto& f : std::filesystem::directory_iterator(dir_.path()))
      if (f.path().filename() != "LOCK") std::filesystem::remove(f.path());
    for (const auto& [name, content] : files) testing::write_file(dir_.path() / name, content);
  }
  std::map<std::string, std::string> snapshot() {
    std::map<std::string, std::string> files;
    for (const auto& f : testing::segment_files(dir_.path()))
      files[f.filename().string()] = testing::read_file(f);
    return files;
  }

  testing::TempDir dir_;
  ManualClock clock_;
};

// Sequences of the MESSAGE records in one segment file, in file order.
std::vector<Sequence> message_seqs_in(const std::filesystem::path& path,
                                      std::vector<std::uint32_t>* offsets = nullptr) {
  auto segment = Segment::open(path, SegmentId{1});
  EXPECT_TRUE(segment);
  SegmentReader reader(**segment);
  SegmentHeader header;
  EXPECT_EQ(reader.read_header(header), HeaderCheck::ok);
  std::vector<Sequence> out;
  while (auto r = reader.next()) {
    if (r->type != RecordType::message) continue;
    out.push_back(decode_message_head(r->payload)->seq);
    if (offsets) offsets->push_back(r->offset);
  }
  return out;
}

TEST_F(RecoveryTest, TornLastRecordIsCutAtEveryOffsetAndNothingDurableIsLost) {
  std::vector<Sequence> durable;
  std::uint64_t before_last = 0, after_last = 0;
  std::string last_name;
  {
    auto store = open();
    const auto q = store->queue("q");
    for (int i = 0; i < 4; ++i)
      durable.push_back(store->append(make_message("durable" + std::to_string(i)), {{q, 0}}, nullptr).seq);
    store->flush();
    const auto files = testing::segment_files(dir_.path());
    last_name = files.back().filename().string();
    before_last = std::filesystem::file_size(files.back());
    store->append(make_message("the torn one"), {{q, 0}}, nullptr);
    store->flush();
    after_last = std::filesystem::file_size(files.back());
  }
  ASSERT_GT(after_last, before_last);
  const auto pristine = snapshot();

  for (auto cut = before_last; cut < after_last; ++cut) {
    SCOPED_TRACE("cut at byte " + std::to_string(cut));
    auto files = pristine;
    files[last_name].resize(cut);
    restore(files);
    auto store = open();
    ASSERT_NE(store, nullptr);
    const auto q = store->queue("q");
    EXPECT_EQ(seqs_of(store->read(q, 0, 100)), durable);
    EXPECT_EQ(store->counters().truncated_bytes, cut - before_last);
    EXPECT_EQ(std::filesystem::file_size(dir_.path() / last_name), before_last);
    // The store appends cleanly after the cut, and that survives a reopen.
    const auto next = store->append(make_message("after"), {{q, 0}}, nullptr).seq;
    store.reset();
    store = open();
    auto expected = durable;
    expected.push_back(next);
    EXPECT_EQ(seqs_of(store->read(store->queue("q"), 0, 100)), expected);
  }
}

TEST_F(RecoveryTest, GarbageAfterTheLastRecordIsCutOff) {
  std::vector<Sequence> durable;
  {
    auto store = open();
    const auto q = store->queue("q");
    for (int i = 0; i < 5; ++i) durable.push_back(store->append(make_message("m"), {{q, 0}}, nullptr).seq);
  }
  const auto pristine = snapshot();
  const auto last = pristine.rbegin()->first;
  std::mt19937 rng(7);
  for (const std::size_t garbage : {1u, 8u, 9u, 64u, 4096u}) {
    SCOPED_TRACE("garbage bytes: " + std::to_string(garbage));
    auto files = pristine;
    for (std::size_t i = 0; i < garbage; ++i) files[last].push_back(static_cast<char>(rng()));
    restore(files);
    auto store = open();
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(seqs_of(store->read(store->queue("q"), 0, 100)), durable);
    EXPECT_EQ(store->counters().truncated_bytes, garbage);
    EXPECT_EQ(store->counters().corrupt_segments, 0u);
  }
}

TEST_F(RecoveryTest, CorruptionInAnOlderSegmentSkipsOnlyTheRestOfThatSegment) {
  {
    auto o = options_for(dir_.path());
    o.segment_bytes = 4096;
    auto store = open(o);
    const auto q = store->queue("q");
    for (int i = 0; i < 80; ++i)
      ASSERT_EQ(store->append(make_message(std::string(150, 'c')), {{q, 0}}, nullptr).status,
                AppendStatus::accepted);
  }
  const auto files = testing::segment_files(dir_.path());
  ASSERT_GE(files.size(), 4u);
  std::vector<std::uint32_t> offsets;
  const auto in_second = message_seqs_in(files[1], &offsets);
  ASSERT_GE(in_second.size(), 5u);
  // Flip a byte inside the payload of the third message of the second segment.
  auto bytes = testing::read_file(files[1]);
  bytes[offsets[2] + kRecordHeaderBytes + 20] ^= 0x40;
  testing::write_file(files[1], bytes);

  std::vector<Sequence> expected;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto seqs = i == 1 ? std::vector<Sequence>(in_second.begin(), in_second.begin() + 2)
                             : message_seqs_in(files[i]);
    expected.insert(expected.end(), seqs.begin(), seqs.end());
  }
  auto store = open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->counters().corrupt_segments, 1u);
  EXPECT_EQ(store->counters().truncated_bytes, 0u);
  EXPECT_EQ(seqs_of(store->read(store->queue("q"), 0, 1000)), expected);
  EXPECT_EQ(expected.size(), 80u - (in_second.size() - 2));
}

TEST_F(RecoveryTest, UnreadableHeaderSetsTheFileAside) {
  {
    auto o = options_for(dir_.path());
    o.segment_bytes = 4096;
    auto store = open(o);
    const auto q = store->queue("q");
    for (int i = 0; i < 40; ++i) store->append(make_message(std::string(150, 'h')), {{q, 0}}, nullptr);
  }
  const auto files = testing::segment_files(dir_.path());
  ASSERT_GE(files.size(), 3u);
  const auto lost = message_seqs_in(files[0]);
  auto bytes = testing::read_file(files[0]);
  bytes[0] = 'X';
  testing::write_file(files[0], bytes);

  auto store = open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->counters().corrupt_segments, 1u);
  EXPECT_TRUE(std::filesystem::exists(files[0].string() + ".corrupt"));
  EXPECT_FALSE(std::filesystem::exists(files[0]));
  // The queue's name survives: every segment starts with the queue definitions.
  EXPECT_EQ(store->stats().at(0).name, "q");
  EXPECT_EQ(store->queue_length(store->queue("q")), 40u - lost.size());
}

TEST_F(RecoveryTest, ANewerFormatVersionIsRefusedWithAClearError) {
  SegmentHeader header;
  header.version = 2;
  header.id = SegmentId{1};
  header.base_seq = 1;
  testing::write_file(dir_.path() / segment_file_name(SegmentId{1}), encode_segment_header(header));
  auto r = MessageStore::open(options_for(dir_.path()), clock_);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("version 2"), std::string::npos) << r.error();
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / segment_file_name(SegmentId{1})))
      << "a file from a newer version must be left alone";
}

TEST_F(RecoveryTest, AHalfCreatedLastSegmentIsRemovedAndStrangersIgnored) {
  Sequence seq = 0;
  {
    auto store = open();
    seq = store->append(make_message("kept"), {{store->queue("q"), 0}}, nullptr).seq;
  }
  testing::write_file(dir_.path() / segment_file_name(SegmentId{9}), std::string("OPSTSEG\n\x01", 9));
  testing::write_file(dir_.path() / "notes.txt", "not a segment");
  auto store = open();
  ASSERT_NE(store, nullptr);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / segment_file_name(SegmentId{9})));
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "notes.txt"));
  EXPECT_EQ(seqs_of(store->read(store->queue("q"), 0, 10)), std::vector<Sequence>{seq});
  EXPECT_EQ(store->counters().corrupt_segments, 0u);
}

TEST_F(RecoveryTest, DiskBytesIsWhatIsOnDisk) {
  auto o = options_for(dir_.path());
  o.segment_bytes = 4096;
  auto store = open(o);
  const auto q = store->queue("q");
  for (int i = 0; i < 50; ++i) store->append(make_message(std::string(300, 'b')), {{q, 0}}, nullptr);
  store->flush();
  EXPECT_TRUE(testing::disk_bytes_match(*store, dir_.path()));
  EXPECT_EQ(store->counters().segments, testing::segment_files(dir_.path()).size());
}

}  // namespace
}  // namespace outpost::store

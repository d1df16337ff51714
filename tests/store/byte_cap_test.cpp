// The byte cap, back-pressure, segment deletion and copy-forward compaction.
#include <gtest/gtest.h>

#include <atomic>

#include "store_test_util.h"

namespace outpost::store {
namespace {

using testing::make_message;
using testing::options_for;
using testing::seqs_of;

constexpr std::uint64_t kCap = 32 * 1024;

class ByteCapTest : public ::testing::Test {
 protected:
  std::unique_ptr<MessageStore> open(std::uint64_t max_bytes = 0) {
    auto o = options_for(dir_.path());
    o.max_bytes = max_bytes;
    o.segment_bytes = 4096;
    return testing::open_store(o, clock_);
  }

  testing::TempDir dir_;
  ManualClock clock_;
};

TEST_F(ByteCapTest, FullWritesNothingAndAcksBringSpaceBack) {
  auto store = open(kCap);
  const auto q = store->queue("q");
  std::atomic<int> space_calls{0};
  store->on_space_available([&] { ++space_calls; });

  std::vector<Sequence> accepted;
  AppendResult r;
  for (int i = 0; i < 1000; ++i) {
    r = store->append(make_message(std::string(300, 'f')), {{q, 0}}, nullptr);
    if (r.status != AppendStatus::accepted) break;
    accepted.push_back(r.seq);
  }
  ASSERT_EQ(r.status, AppendStatus::full) << "the cap never refused an append";
  EXPECT_EQ(r.seq, 0u);
  EXPECT_GT(accepted.size(), 50u);
  EXPECT_LE(store->disk_bytes(), kCap);

  // A refused append writes nothing and never reports durable.
  store->flush();
  const auto before = store->disk_bytes();
  bool called = false;
  EXPECT_EQ(store->append(make_message(std::string(300, 'f')), {{q, 0}}, [&](bool) { called = true; }).status,
            AppendStatus::full);
  store->flush();
  EXPECT_FALSE(called);
  EXPECT_EQ(store->disk_bytes(), before);
  EXPECT_EQ(store->queue_length(q), accepted.size());
  EXPECT_GE(store->counters().full_rejections, 2u);
  EXPECT_EQ(space_calls.load(), 0);

  for (const auto seq : accepted) store->ack(q, seq);
  ASSERT_TRUE(testing::wait_until([&] { return space_calls.load() > 0; }))
      << "on_space_available never fired after every message was acked";
  EXPECT_EQ(store->append(make_message("again"), {{q, 0}}, nullptr).status, AppendStatus::accepted);
  EXPECT_TRUE(testing::disk_bytes_match(*store, dir_.path()));
  EXPECT_LE(store->disk_bytes(), kCap);
}

TEST_F(ByteCapTest, AMessageThatCanNeverFitFails) {
  auto store = open(16 * 1024);
  const auto q = store->queue("q");
  EXPECT_EQ(store->append(make_message(std::string(20 * 1024, 'L')), {{q, 0}}, nullptr).status,
            AppendStatus::failed);
}

TEST_F(ByteCapTest, ConsumedSegmentsAreDeleted) {
  auto store = open();
  const auto q = store->queue("q");
  std::vector<Sequence> seqs;
  for (int i = 0; i < 100; ++i) seqs.push_back(store->append(make_message(std::string(300, 'd')), {{q, 0}}, nullptr).seq);
  store->flush();
  const auto files_before = testing::segment_files(dir_.path()).size();
  ASSERT_GT(files_before, 5u);
  for (std::size_t i = 0; i < 50; ++i) store->ack(q, seqs[i]);
  store->flush();
  const auto files_half = testing::segment_files(dir_.path()).size();
  EXPECT_LT(files_half, files_before);
  EXPECT_GT(files_half, 2u);
  for (std::size_t i = 50; i < seqs.size(); ++i) store->ack(q, seqs[i]);
  store->flush();
  EXPECT_EQ(testing::segment_files(dir_.path()).size(), 1u) << "only the active segment is left";
  EXPECT_TRUE(testing::disk_bytes_match(*store, dir_.path()));
  EXPECT_GT(store->counters().deleted_segments, 4u);
}

TEST_F(ByteCapTest, CompactionCopiesLongLivedMessagesForwardInOrder) {
  std::vector<Sequence> slow_seqs;
  std::vector<std::string> slow_bodies;
  QueueId slow = 0;
  {
    auto store = open();
    slow = store->queue("slow");
    const auto fast = store->queue("fast");
    // A few long-lived messages spread over segments full of consumed traffic.
    for (int i = 0; i < 200; ++i) {
      if (i % 40 == 0) {
        slow_bodies.push_back("slow-" + std::to_string(i));
        slow_seqs.push_back(store->append(make_message(slow_bodies.back()), {{slow, 0}}, nullptr).seq);
      }
      const auto r = store->append(make_message(std::string(250, 'x')), {{fast, 0}}, nullptr);
      store->ack(fast, r.seq);
    }
    // Every sealed segment is mostly garbage, so compaction runs until only the active one
    // (holding the copies) is left.
    ASSERT_TRUE(testing::wait_until([&] { return store->counters().segments == 1; }))
        << "mostly consumed segments were not compacted away: " << store->counters().segments
        << " segments, " << store->counters().compactions << " compactions";
    EXPECT_GE(store->counters().compactions, 3u);
    store->flush();
    const auto got = store->read(slow, 0, 100);
    EXPECT_EQ(seqs_of(got), slow_seqs) << "compaction keeps sequences and order";
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].message->body, slow_bodies[i]);
    EXPECT_EQ(got[0].enqueued_at_ms, clock_.unix_millis());
    EXPECT_EQ(testing::segment_files(dir_.path()).size(), 1u) << "compacted segments were not deleted";
    EXPECT_GE(store->counters().copied_messages, 3u);
  }
  auto store = open();
  const auto got = store->read(store->queue("slow"), 0, 100);
  EXPECT_EQ(seqs_of(got), slow_seqs);
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].message->body, slow_bodies[i]);
  EXPECT_EQ(store->queue_length(store->queue("fast")), 0u);
}

TEST_F(ByteCapTest, UnderTheCapCompactionMakesRoomForLongLivedTraffic) {
  std::vector<Sequence> kept;
  {
    auto store = open(kCap);
    const auto keep = store->queue("upstream");
    const auto fast = store->queue("module");
    std::atomic<int> space{0};
    store->on_space_available([&] { ++space; });
    // 400 KB through a 32 KB cap: one message in 25 is held (16 KB in all), the rest
    // consumed; the held ones must keep being copied out of the way.
    for (int i = 0; i < 1000; ++i) {
      const bool held = i % 25 == 0;
      const auto target = held ? keep : fast;
      AppendResult r;
      for (int attempt = 0;; ++attempt) {
        const int seen = space.load();
        r = store->append(make_message(std::string(250, held ? 'K' : 'f')), {{target, 0}}, nullptr);
        if (r.status != AppendStatus::full) break;
        ASSERT_LT(attempt, 20) << "append " << i << " stayed full";
        ASSERT_TRUE(testing::wait_until([&] { return space.load() > seen; }))
            << "full at append " << i << " with " << store->disk_bytes()
            << " bytes on disk and no on_space_available";
      }
      ASSERT_EQ(r.status, AppendStatus::accepted);
      if (held)
        kept.push_back(r.seq);
      else
        store->ack(fast, r.seq);
      ASSERT_LE(store->disk_bytes(), kCap);
    }
    EXPECT_GT(store->counters().compactions, 0u);
    EXPECT_EQ(seqs_of(store->read(keep, 0, 1000)), kept);
  }
  auto store = open(kCap);
  EXPECT_EQ(seqs_of(store->read(store->queue("upstream"), 0, 1000)), kept);
  EXPECT_EQ(store->queue_length(store->queue("module")), 0u);
}

TEST_F(ByteCapTest, AckedTargetsStayAckedWhenTheOriginalOutlivesItsCopy) {
  // Crash between writing compaction copies and deleting the original: both files exist on
  // the next open, while the ACK that removed one target was in a segment since deleted.
  // The copy carries only the targets live when it was made, and replay keeps only those.
  Sequence m = 0;
  std::string original_name, original;
  {
    auto store = open();
    const auto a = store->queue("a");
    const auto b = store->queue("b");
    const auto fast = store->queue("fast");
    m = store->append(make_message("shared"), {{a, 0}, {b, 0}}, nullptr).seq;
    std::vector<Sequence> filler;
    for (int i = 0; i < 30; ++i)
      filler.push_back(store->append(make_message(std::string(250, 'x')), {{fast, 0}}, nullptr).seq);
    store->ack(a, m);
    store->flush();  // the ACK lands in the active segment
    const auto files = testing::segment_files(dir_.path());
    const auto ack_segment = files.back();
    original_name = files.front().filename().string();
    original = testing::read_file(files.front());
    for (int i = 0; i < 30; ++i)
      filler.push_back(store->append(make_message(std::string(250, 'x')), {{fast, 0}}, nullptr).seq);
    for (const auto s : filler) store->ack(fast, s);
    ASSERT_TRUE(testing::wait_until([&] {
      return !std::filesystem::exists(dir_.path() / original_name) &&
             !std::filesystem::exists(ack_segment);
    })) << "the first segment was not compacted, or the ack's segment not deleted";
    EXPECT_GE(store->counters().compactions, 1u);
  }
  testing::write_file(dir_.path() / original_name, original);  // the delete "never happened"
  auto store = open();
  EXPECT_EQ(store->queue_length(store->queue("a")), 0u) << "an acked entry came back";
  const auto got = store->read(store->queue("b"), 0, 10);
  ASSERT_EQ(seqs_of(got), std::vector<Sequence>{m});
  EXPECT_EQ(got[0].message->body, "shared");
}

TEST_F(ByteCapTest, AcksInLaterSegmentsAreNeverLostWhileTheirMessageLives) {
  // M is held by `slow` and acked by `fast`; the ack lands in a later segment full of
  // consumed traffic. Deleting that segment before M's would resurrect fast's entry.
  Sequence m = 0;
  {
    auto store = open();
    const auto slow = store->queue("slow");
    const auto fast = store->queue("fast");
    m = store->append(make_message("pinned"), {{slow, 0}, {fast, 0}}, nullptr).seq;
    for (int i = 0; i < 20; ++i)
      store->ack(fast, store->append(make_message(std::string(300, 'y')), {{fast, 0}}, nullptr).seq);
    store->ack(fast, m);
    for (int i = 0; i < 60; ++i)
      store->ack(fast, store->append(make_message(std::string(300, 'z')), {{fast, 0}}, nullptr).seq);
    store->flush();
  }
  auto store = open();
  EXPECT_EQ(store->queue_length(store->queue("fast")), 0u);
  EXPECT_EQ(seqs_of(store->read(store->queue("slow"), 0, 10)), std::vector<Sequence>{m});
}

}  // namespace
}  // namespace outpost::store

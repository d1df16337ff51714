#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>

#include "segment.h"
#include "store_test_util.h"
#include "sync_thread.h"

namespace outpost::store {
namespace {

class SyncThreadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = Segment::create(dir_.path(), SegmentId{1}, 1);
    ASSERT_TRUE(created) << created.error();
    segment_ = *created;
  }
  testing::TempDir dir_;
  SegmentPtr segment_;
};

TEST_F(SyncThreadTest, StoppingRunsEveryPendingCallbackOnceEach) {
  std::atomic<int> ok{0};
  {
    SyncThread sync(FsyncPolicy::always, {}, [] {});
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(segment_->append("record"));
      sync.submit(segment_, segment_->size(), [&](bool good) { ok += good ? 1 : 1000; });
    }
  }  // destructor: a last pass over everything submitted
  EXPECT_EQ(ok.load(), 50);
}

TEST_F(SyncThreadTest, FlushReturnsWhileOthersKeepSubmitting) {
  // Under `always` each pass takes one callback; a flush waits only for what was
  // submitted before it, so a steady stream of appends cannot starve it.
  SyncThread sync(FsyncPolicy::always, {}, [] {});
  std::atomic<bool> stop{false};
  std::atomic<int> done{0};
  std::thread writer([&] {
    // Keeps up to 20 callbacks in flight, like appenders waiting for their acknowledgements.
    for (int submitted = 0; !stop;) {
      if (submitted - done.load() >= 20) {
        std::this_thread::yield();
        continue;
      }
      sync.submit(segment_, segment_->size(), [&](bool) { ++done; });
      ++submitted;
    }
  });
  ASSERT_TRUE(testing::wait_until([&] { return done.load() > 10; })) << "nothing was synced";
  auto flushed = std::async(std::launch::async, [&] { sync.flush(); });
  const auto status = flushed.wait_for(std::chrono::seconds(10));
  stop = true;
  writer.join();
  EXPECT_EQ(status, std::future_status::ready) << "flush() starved by concurrent submissions";
}

TEST_F(SyncThreadTest, BackgroundWorkRunsBetweenPasses) {
  std::atomic<int> runs{0};
  SyncThread sync(FsyncPolicy::group, {}, [&] { ++runs; });
  sync.request_background_work();
  ASSERT_TRUE(testing::wait_until([&] { return runs.load() == 1; })) << "background work never ran";
  std::atomic<int> ok{0};
  sync.submit(segment_, segment_->size(), [&](bool good) { ok += good; });
  sync.flush();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_GE(sync.fsyncs(), 1u);
}

TEST_F(SyncThreadTest, WorkRequestedForLaterRunsEvenWhenTheThreadIsIdle) {
  std::atomic<int> runs{0};
  SyncThread sync(FsyncPolicy::group, {}, [&] { ++runs; });
  sync.flush();  // the thread has nothing to do and sleeps
  sync.request_background_work_later();
  sync.request_background_work_later();  // one run for both
  ASSERT_TRUE(testing::wait_until([&] { return runs.load() >= 1; }))
      << "work requested for later never ran on an idle thread";
  sync.flush();
  EXPECT_EQ(runs.load(), 1);
}

TEST_F(SyncThreadTest, ASubmitWithoutWakeWaitsForWake) {
  // No background work was asked for, so after the flush nothing else can wake the thread.
  SyncThread sync(FsyncPolicy::group, {}, [] {});
  sync.flush();
  std::atomic<int> ok{0};
  ASSERT_TRUE(segment_->append("record"));
  sync.submit(segment_, segment_->size(), [&](bool good) { ok += good; }, /*wake=*/false);
  EXPECT_FALSE(testing::wait_until([&] { return ok.load() > 0; }, std::chrono::milliseconds(200)))
      << "the thread ran a submit that did not wake it";
  sync.wake();
  ASSERT_TRUE(testing::wait_until([&] { return ok.load() == 1; })) << "wake() did not start the pass";
}

TEST_F(SyncThreadTest, BufferedBytesAreWrittenBeforeTheirCallbackRuns) {
  // Under `never` a callback means "the write reached the OS": the file must hold it then.
  SyncThread sync(FsyncPolicy::never, {}, [] {});
  std::atomic<std::uint64_t> size_seen{0};
  ASSERT_TRUE(segment_->append("record"));
  const auto end = segment_->size();
  sync.submit(segment_, end, [&](bool ok) {
    if (ok) size_seen = std::filesystem::file_size(segment_->path());
  });
  sync.flush();
  EXPECT_EQ(size_seen.load(), end);
  EXPECT_EQ(sync.fsyncs(), 0u);
}

TEST_F(SyncThreadTest, BytesWithoutACallbackAreWrittenWithoutAnFsync) {
  SyncThread sync(FsyncPolicy::group, {}, [] {});
  ASSERT_TRUE(segment_->append("an ack record"));
  sync.note_write(segment_);
  ASSERT_TRUE(testing::wait_until([&] { return segment_->written() == segment_->size(); }))
      << "bytes buffered without a callback were never written";
  EXPECT_EQ(sync.fsyncs(), 0u) << "nobody waits for them: no fsync of their own";
  sync.flush();
  EXPECT_EQ(sync.fsyncs(), 1u);
}

TEST_F(SyncThreadTest, AFailedWriteFailsExactlyTheCallbacksItCarried) {
  std::mutex m;
  std::map<int, bool> result;
  const auto record = [&](int i) {
    return [&, i](bool ok) {
      std::lock_guard lock(m);
      EXPECT_TRUE(result.emplace(i, ok).second) << "callback " << i << " ran twice";
    };
  };
  std::atomic<int> lost_reports{0};
  SyncThread sync(FsyncPolicy::group, {}, [] {}, [&] { ++lost_reports; });
  const std::string bytes(100, 'r');
  for (int i = 0; i < 5; ++i) {  // written and synced
    ASSERT_TRUE(segment_->append(bytes));
    sync.submit(segment_, segment_->size(), record(i));
  }
  sync.flush();
  const auto good_end = segment_->size();
  {
    testing::FileSizeLimit limit(good_end + 250);
    // Buffered before the thread hears of any of them: whichever pass takes the first
    // callback writes all five, and that write fails.
    std::vector<std::uint64_t> ends;
    for (int i = 5; i < 10; ++i) {
      ASSERT_TRUE(segment_->append(bytes));
      ends.push_back(segment_->size());
    }
    for (int i = 5; i < 10; ++i) sync.submit(segment_, ends[static_cast<std::size_t>(i - 5)], record(i));
    sync.flush();
  }
  EXPECT_GE(lost_reports.load(), 1) << "the store was not told about the lost write";
  auto lost = segment_->take_lost();
  ASSERT_TRUE(lost);
  EXPECT_EQ(lost->offset, good_end);
  EXPECT_EQ(lost->bytes.size(), 500u);

  // Not sticky: the next segment carries on.
  auto next = Segment::create(dir_.path(), SegmentId{2}, 1);
  ASSERT_TRUE(next) << next.error();
  ASSERT_TRUE((*next)->append(bytes));
  sync.submit(*next, (*next)->size(), record(10));
  sync.flush();
  EXPECT_FALSE(sync.failed());

  std::lock_guard lock(m);
  ASSERT_EQ(result.size(), 11u);
  for (const auto& [i, ok] : result) EXPECT_EQ(ok, i < 5 || i == 10) << "callback " << i;
}

}  // namespace
}  // namespace outpost::store

#include <gtest/gtest.h>

#include <atomic>
#include <future>

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
      sync.submit(segment_, [&](bool good) { ok += good ? 1 : 1000; });
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
      sync.submit(segment_, [&](bool) { ++done; });
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
  sync.submit(segment_, [&](bool good) { ok += good; });
  sync.flush();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_GE(sync.fsyncs(), 1u);
}

}  // namespace
}  // namespace outpost::store

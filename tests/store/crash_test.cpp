// kill -9 at random points while appending, under each fsync policy: everything the child
// reported durable must be there when the parent reopens the store. (A kill -9 keeps what
// reached the page cache, so even `never` must pass; records still buffered in the store
// when the child dies were never reported.)
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <set>

#include "store_test_util.h"

namespace outpost::store {
namespace {

using testing::make_message;

StoreOptions crash_options(const std::filesystem::path& folder, FsyncPolicy policy) {
  auto o = testing::options_for(folder);
  o.fsync = policy;
  o.segment_bytes = 8 * 1024;  // rolls and compactions happen while we kill
  return o;
}

// The child: appends until killed. Messages on "keep" are reported on the pipe once
// durable; messages on "scratch" are acked at once, so segments die and get compacted.
// Like the hub's publishers, the child keeps a bounded number of appends in flight
// (append() does not wait for the disk, so under `always` it would otherwise run far ahead
// of the fsyncs, one segment file and fd after another).
[[noreturn]] void run_child(const std::filesystem::path& folder, FsyncPolicy policy, int report_fd) {
  constexpr int kWindow = 1000;
  ManualClock clock;
  auto opened = MessageStore::open(crash_options(folder, policy), clock);
  if (!opened) _exit(3);
  auto& store = *opened;
  const auto keep = store->queue("keep");
  const auto scratch = store->queue("scratch");
  auto durable = std::make_shared<std::atomic<int>>(0);
  for (int i = 0; i < 1'000'000; ++i) {
    while (i - durable->load() > kWindow) std::this_thread::yield();
    if (i % 3 == 0) {
      auto slot = std::make_shared<std::atomic<Sequence>>(0);
      const auto r = store->append(make_message(std::string(200, 'k')), {{keep, 0}},
                                   [report_fd, slot, durable](bool ok) {
                                     ++*durable;
                                     while (slot->load() == 0) std::this_thread::yield();
                                     if (!ok) return;
                                     const Sequence seq = slot->load();
                                     if (::write(report_fd, &seq, sizeof seq) != sizeof seq) _exit(4);
                                   });
      if (r.status != AppendStatus::accepted) _exit(5);
      slot->store(r.seq);
    } else {
      const auto r = store->append(make_message(std::string(200, 's')), {{scratch, 0}},
                                   [durable](bool) { ++*durable; });
      if (r.status != AppendStatus::accepted) _exit(5);
      store->ack(scratch, r.seq);
    }
  }
  _exit(0);
}

class CrashTest : public ::testing::TestWithParam<FsyncPolicy> {};

TEST_P(CrashTest, EveryReportedDurableMessageSurvivesKill9) {
  testing::TempDir dir;
  std::mt19937 rng(20261123);
  std::set<Sequence> reported;
  constexpr int kRounds = 6;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      run_child(dir.path(), GetParam(), fds[1]);
    }
    ::close(fds[1]);
    // Kill after a random number of durable reports: somewhere mid-stream.
    const std::size_t kill_after = 20 + rng() % 400;
    std::size_t got = 0;
    Sequence seq = 0;
    while (got < kill_after && ::read(fds[0], &seq, sizeof seq) == sizeof seq) {
      reported.insert(seq);
      ++got;
    }
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the child exited on its own with status "
                                     << (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    // Reports written before the kill are still in the pipe: they count too.
    while (::read(fds[0], &seq, sizeof seq) == sizeof seq) reported.insert(seq);
    ::close(fds[0]);
    ASSERT_EQ(got, kill_after) << "the child stopped reporting early";

    ManualClock clock;
    auto opened = MessageStore::open(crash_options(dir.path(), GetParam()), clock);
    ASSERT_TRUE(opened) << opened.error();
    auto& store = *opened;
    std::set<Sequence> present;
    for (const auto& m : store->read(store->queue("keep"), 0, 1'000'000)) present.insert(m.seq);
    std::vector<Sequence> missing;
    std::set_difference(reported.begin(), reported.end(), present.begin(), present.end(),
                        std::back_inserter(missing));
    ASSERT_TRUE(missing.empty()) << missing.size() << " reported-durable messages lost, first "
                                 << missing.front();
    EXPECT_EQ(store->counters().corrupt_segments, 0u);
  }
  EXPECT_GT(reported.size(), static_cast<std::size_t>(kRounds * 20));
}

INSTANTIATE_TEST_SUITE_P(Policies, CrashTest,
                         ::testing::Values(FsyncPolicy::group, FsyncPolicy::always, FsyncPolicy::never),
                         [](const auto& instance) {
                           switch (instance.param) {
                             case FsyncPolicy::group: return std::string("group");
                             case FsyncPolicy::always: return std::string("always");
                             case FsyncPolicy::never: return std::string("never");
                           }
                           return std::string("unknown");
                         });

}  // namespace
}  // namespace outpost::store

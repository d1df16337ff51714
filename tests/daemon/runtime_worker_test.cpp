// The runtime's one thread: jobs run in order off the loop, results come back on the loop,
// and a job that throws costs only its own answer.
#include "runtime_worker.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace outpost::daemon {
namespace {

using namespace std::chrono_literals;

// Runs the loop until `done` holds (bounded).
template <typename Done>
bool poll_until(net::EventLoop& loop, Done done) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done() && std::chrono::steady_clock::now() < deadline)
    if (loop.poll() == 0) std::this_thread::yield();
  return done();
}

TEST(RuntimeWorker, JobsRunInOrderOffTheLoopAndAnswerOnIt) {
  net::EventLoop loop;
  RuntimeWorker worker(loop);
  const auto loop_thread = std::this_thread::get_id();
  std::vector<int> order;
  std::vector<bool> on_loop;
  for (int i = 0; i < 5; ++i)
    worker.run<int>([i, loop_thread] { return std::this_thread::get_id() == loop_thread ? -1 : i; },
                    [&](int value) {
                      order.push_back(value);
                      on_loop.push_back(std::this_thread::get_id() == loop_thread);
                    });
  ASSERT_TRUE(poll_until(loop, [&] { return order.size() == 5; }));
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4})) << "in order, and never on the loop's thread";
  EXPECT_EQ(on_loop, std::vector<bool>(5, true));
}

TEST(RuntimeWorker, AJobThatThrowsCostsOnlyItsOwnAnswer) {
  net::EventLoop loop;
  RuntimeWorker worker(loop);
  std::optional<net::HttpResponse> response;
  std::optional<bool> allowed;
  worker.run<net::HttpResponse>([]() -> net::HttpResponse { throw std::runtime_error("bug"); },
                                [&](net::HttpResponse r) { response = std::move(r); });
  worker.run<bool>([]() -> bool { throw std::runtime_error("bug"); }, [&](bool b) { allowed = b; });
  int after = 0;
  worker.run<int>([] { return 7; }, [&](int v) { after = v; });
  ASSERT_TRUE(poll_until(loop, [&] { return after == 7; }));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(allowed, false) << "a failed check refuses";
}

TEST(RuntimeWorker, RunAndWaitWorksBeforeAndAfterStop) {
  net::EventLoop loop;
  RuntimeWorker worker(loop);
  int ran = 0;
  worker.run_and_wait([&] { ++ran; });
  EXPECT_EQ(ran, 1);
  worker.stop();
  worker.run_and_wait([&] { ++ran; });
  EXPECT_EQ(ran, 2) << "after stop it runs on the caller, the worker being gone";
}

}  // namespace
}  // namespace outpost::daemon

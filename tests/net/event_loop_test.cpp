// The EventLoop driven step by step (poll), as in-process tests of the hub do, and a
// responder that hands its response to a callback instead of a connection.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <thread>
#include <vector>

#include "outpost/net/event_loop.h"
#include "outpost/net/inbox.h"
#include "outpost/net/http_server.h"

namespace outpost::net {
namespace {

TEST(EventLoopPoll, RunsWhatIsReadyIncludingWhatItPostsAndDoesNotWait) {
  EventLoop loop;
  std::vector<int> ran;
  loop.post([&] {
    ran.push_back(1);
    loop.post([&] { ran.push_back(2); });
  });
  auto later = loop.make_timer();
  later->start(std::chrono::hours(1), [&] { ran.push_back(99); });
  auto due = loop.make_timer();
  due->start(std::chrono::milliseconds(0), [&] { ran.push_back(3); });
  EXPECT_EQ(loop.poll(), 3u);
  EXPECT_EQ(ran, (std::vector<int>{1, 2, 3})) << "the hour-long timer must not run, nor block poll()";
  EXPECT_EQ(loop.poll(), 0u);
}

TEST(EventLoopPoll, WorksAgainAfterStop) {
  EventLoop loop;
  loop.stop();
  bool ran = false;
  loop.post([&] { ran = true; });
  loop.poll();
  EXPECT_TRUE(ran);
}

TEST(InboxTest, APushFromAnotherThreadWakesTheLoopOnceForTheBatch) {
  EventLoop loop;
  std::vector<int> delivered;
  Inbox<int> inbox(loop, [&](int& n) { delivered.push_back(n); });
  std::thread producer([sender = inbox.sender()] {
    for (int i = 1; i <= 3; ++i) sender.push(i);
  });
  producer.join();
  EXPECT_EQ(loop.poll(), 1u) << "one task for the three items";
  EXPECT_EQ(delivered, (std::vector<int>{1, 2, 3}));
}

TEST(InboxTest, AnInboxDrainedByItsOwnerQueuesWithoutWakingTheLoop) {
  EventLoop loop;
  std::vector<int> delivered;
  Inbox<int> inbox(loop, [&](int& n) { delivered.push_back(n); }, InboxWake::by_owner);
  std::thread producer([sender = inbox.sender()] {
    for (int i = 1; i <= 3; ++i) sender.push(i);
  });
  producer.join();
  EXPECT_EQ(loop.poll(), 0u) << "nothing posted to the loop";
  EXPECT_TRUE(delivered.empty());
  inbox.drain();
  EXPECT_EQ(delivered, (std::vector<int>{1, 2, 3}));
  inbox.drain();
  EXPECT_EQ(delivered.size(), 3u) << "each item once";
}

TEST(HttpResponderToCallback, DeliversTheFirstResponseOnTheLoop) {
  EventLoop loop;
  std::vector<HttpResponse> got;
  const auto responder = HttpResponder::to_callback(loop, [&](HttpResponse r) { got.push_back(std::move(r)); });
  responder.send(HttpResponse::text(201, "first"));
  responder.send(HttpResponse::text(500, "second"));
  EXPECT_TRUE(got.empty()) << "delivered on the loop, not inside send()";
  loop.poll();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].status, 201);
  EXPECT_EQ(got[0].body, "first");
}

}  // namespace
}  // namespace outpost::net

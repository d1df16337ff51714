// TTL: reads skip expired entries, expire() drops and counts them, and they stay dropped.
#include <gtest/gtest.h>

#include "store_test_util.h"

namespace outpost::store {
namespace {

using namespace std::chrono_literals;
using testing::make_message;
using testing::options_for;
using testing::seqs_of;

class ExpiryTest : public ::testing::Test {
 protected:
  std::unique_ptr<MessageStore> open() { return testing::open_store(options_for(dir_.path()), clock_); }
  std::int64_t in(std::chrono::milliseconds d) const { return clock_.unix_millis() + d.count(); }

  testing::TempDir dir_;
  ManualClock clock_;
};

TEST_F(ExpiryTest, MixedTtlsInOneQueueExpireIndependently) {
  auto store = open();
  const auto q = store->queue("q");
  const auto other = store->queue("other");
  const auto s1 = store->append(make_message("10s"), {{q, in(10s)}}, nullptr).seq;
  const auto s2 = store->append(make_message("never"), {{q, 0}}, nullptr).seq;
  const auto s3 = store->append(make_message("5s"), {{q, in(5s)}, {other, in(30s)}}, nullptr).seq;
  const auto s4 = store->append(make_message("20s"), {{q, in(20s)}}, nullptr).seq;
  const auto s5 = store->append(make_message("5s too"), {{q, in(5s)}}, nullptr).seq;

  clock_.advance(6s);
  // Reads skip what has expired even before expire() runs; the lengths still count them.
  EXPECT_EQ(seqs_of(store->read(q, 0, 10)), (std::vector<Sequence>{s1, s2, s4}));
  EXPECT_EQ(store->queue_length(q), 5u);

  auto counts = store->expire(clock_.unix_millis());
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts[0].queue, q);
  EXPECT_EQ(counts[0].count, 2u);
  EXPECT_EQ(store->queue_length(q), 3u);
  // s3 lives on in the other queue, with its own TTL.
  EXPECT_EQ(seqs_of(store->read(other, 0, 10)), std::vector<Sequence>{s3});
  EXPECT_TRUE(store->expire(clock_.unix_millis()).empty()) << "nothing is counted twice";

  clock_.advance(5s);
  counts = store->expire(clock_.unix_millis());
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts[0].count, 1u);  // s1
  EXPECT_EQ(seqs_of(store->read(q, 0, 10)), (std::vector<Sequence>{s2, s4}));

  clock_.advance(30s);
  counts = store->expire(clock_.unix_millis());
  ASSERT_EQ(counts.size(), 2u);
  EXPECT_EQ(counts[0].queue, q);
  EXPECT_EQ(counts[0].count, 1u);  // s4
  EXPECT_EQ(counts[1].queue, other);
  EXPECT_EQ(counts[1].count, 1u);  // s3
  EXPECT_EQ(seqs_of(store->read(q, 0, 10)), std::vector<Sequence>{s2});
  EXPECT_EQ(store->counters().expired, 5u);
  (void)s5;
}

TEST_F(ExpiryTest, AckedEntriesAreNotCountedAsExpired) {
  auto store = open();
  const auto q = store->queue("q");
  std::vector<Sequence> seqs;
  for (int i = 0; i < 3000; ++i) seqs.push_back(store->append(make_message("t"), {{q, in(1s)}}, nullptr).seq);
  // Enough acks that the expiry heap is rebuilt without them on the way.
  for (int i = 0; i < 2500; ++i) store->ack(q, seqs[i]);
  clock_.advance(2s);
  const auto counts = store->expire(clock_.unix_millis());
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts[0].count, 500u);
  EXPECT_EQ(store->queue_length(q), 0u);
}

TEST_F(ExpiryTest, ExpiredEntriesAreNotResurrectedByAReopen) {
  const auto start = clock_.now();
  Sequence keep = 0;
  {
    auto store = open();
    const auto q = store->queue("q");
    store->append(make_message("short"), {{q, in(1s)}}, nullptr);
    keep = store->append(make_message("long"), {{q, in(1h)}}, nullptr).seq;
    clock_.advance(2s);
    ASSERT_EQ(store->expire(clock_.unix_millis()).at(0).count, 1u);
  }
  clock_.set(start);  // the clock went back: without the written expiry it would come back
  auto store = open();
  EXPECT_EQ(seqs_of(store->read(store->queue("q"), 0, 10)), std::vector<Sequence>{keep});
  EXPECT_EQ(store->counters().expired, 0u) << "expired once, counted once";
}

TEST_F(ExpiryTest, EntriesThatExpiredWhileClosedAreDroppedOnceAtOpen) {
  const auto start = clock_.now();
  Sequence keep = 0;
  {
    auto store = open();
    const auto q = store->queue("q");
    store->append(make_message("a"), {{q, in(1s)}}, nullptr);
    store->append(make_message("b"), {{q, in(2s)}}, nullptr);
    keep = store->append(make_message("c"), {{q, 0}}, nullptr).seq;
  }
  clock_.advance(1h);
  {
    auto store = open();
    EXPECT_EQ(store->counters().expired, 2u);
    EXPECT_EQ(seqs_of(store->read(store->queue("q"), 0, 10)), std::vector<Sequence>{keep});
    EXPECT_TRUE(store->expire(clock_.unix_millis()).empty());
  }
  clock_.set(start);
  auto store = open();
  EXPECT_EQ(store->counters().expired, 0u);
  EXPECT_EQ(seqs_of(store->read(store->queue("q"), 0, 10)), std::vector<Sequence>{keep});
}

}  // namespace
}  // namespace outpost::store

// A write that fails on the sync thread: the messages it carried are reported failed and
// leave their queues, everything else is reported durable and stays, acks it carried are
// written again, and the store carries on in a new segment (a write error is not sticky).
#include <gtest/gtest.h>

#include <set>

#include "store_test_util.h"

namespace outpost::store {
namespace {

using testing::make_message;
using testing::seqs_of;

class StoreWriteErrorTest : public ::testing::Test {
 protected:
  std::unique_ptr<MessageStore> open() {
    auto o = testing::options_for(dir_.path());
    o.segment_bytes = 64 * 1024;
    return testing::open_store(o, clock_);
  }
  std::uint64_t active_file_size() const {
    return std::filesystem::file_size(testing::segment_files(dir_.path()).back());
  }

  testing::TempDir dir_;
  ManualClock clock_;
};

TEST_F(StoreWriteErrorTest, FailsExactlyTheMessagesTheWriteCarriedAndCarriesOn) {
  auto store = open();
  const auto q = store->queue("q");
  testing::DurableLog log;
  std::vector<Sequence> before;
  for (int i = 0; i < 5; ++i) {
    const auto r = store->append(make_message("before" + std::to_string(i)), {{q, 0}}, log.callback(0));
    ASSERT_EQ(r.status, AppendStatus::accepted);
    before.push_back(r.seq);
  }
  store->flush();
  ASSERT_EQ(log.ok(), 5u);

  std::vector<Sequence> during;
  {
    // Room for about two more records: the write carrying the rest fails.
    testing::FileSizeLimit limit(active_file_size() + 600);
    for (int i = 0; i < 30; ++i) {
      const auto r = store->append(make_message(std::string(300, 'd')), {{q, 0}},
                                   log.callback(static_cast<Sequence>(100 + i)));
      ASSERT_EQ(r.status, AppendStatus::accepted) << "the error is the sync thread's to report";
      during.push_back(r.seq);
    }
    store->flush();
  }
  ASSERT_EQ(log.order().size(), 35u) << "every callback runs once";
  const auto failed = log.failures();
  ASSERT_FALSE(failed.empty()) << "no write failed: the file size limit did not bite";
  // Tags 100+i map to during[i]: the queue keeps exactly those reported durable.
  std::vector<Sequence> expected = before;
  for (const auto tag : log.succeeded())
    if (tag >= 100) expected.push_back(during[tag - 100]);
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(seqs_of(store->read(q, 0, 100)), expected);
  EXPECT_EQ(store->queue_length(q), expected.size());

  // Not sticky: the store carries on in a new segment.
  const auto after = store->append(make_message("after"), {{q, 0}}, log.callback(1000));
  ASSERT_EQ(after.status, AppendStatus::accepted);
  store->flush();
  EXPECT_EQ(log.order().back(), 1000u);
  EXPECT_EQ(log.failures().size(), failed.size()) << "the append after the error failed too";
  expected.push_back(after.seq);
  EXPECT_TRUE(testing::disk_bytes_match(*store, dir_.path()));

  store.reset();
  store = open();
  EXPECT_EQ(seqs_of(store->read(store->queue("q"), 0, 100)), expected);
  EXPECT_EQ(store->counters().corrupt_segments, 0u);
  EXPECT_EQ(store->counters().truncated_bytes, 0u);
}

TEST_F(StoreWriteErrorTest, AcksALostWriteCarriedAreWrittenAgain) {
  std::vector<Sequence> seqs;
  {
    auto store = open();
    const auto q = store->queue("q");
    for (int i = 0; i < 10; ++i) seqs.push_back(store->append(make_message("m"), {{q, 0}}, nullptr).seq);
    store->flush();
    {
      testing::FileSizeLimit limit(active_file_size() + 10);  // not even one ack record
      for (int i = 0; i < 3; ++i) store->ack(q, seqs[static_cast<std::size_t>(i)]);
      store->flush();  // the ack record's write fails; the acks are buffered again
      store->flush();  // and written to a new segment
    }
    EXPECT_EQ(store->queue_length(q), 7u);
    EXPECT_EQ(store->counters().lost_acks, 0u);
    EXPECT_GE(testing::segment_files(dir_.path()).size(), 2u) << "no new segment after the error";
  }
  auto store = open();
  EXPECT_EQ(seqs_of(store->read(store->queue("q"), 0, 100)),
            std::vector<Sequence>(seqs.begin() + 3, seqs.end()))
      << "acked messages came back: the acks of the failed write were not written again";
}

}  // namespace
}  // namespace outpost::store

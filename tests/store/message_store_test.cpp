// Append, read, ack, fan-out, durability callbacks, reopen.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "store_test_util.h"

namespace outpost::store {
namespace {

using testing::make_message;
using testing::open_store;
using testing::options_for;
using testing::seqs_of;

class MessageStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<MessageStore> open(StoreOptions o) { return open_store(o, clock_); }
  std::unique_ptr<MessageStore> open() { return open(options_for(dir_.path())); }

  testing::TempDir dir_;
  ManualClock clock_;
};

TEST_F(MessageStoreTest, AppendReadAckKeepOrder) {
  auto store = open();
  const auto q = store->queue("$upstream_Pri0");
  EXPECT_EQ(store->queue("$upstream_Pri0"), q);  // same name, same queue
  std::vector<Sequence> seqs;
  for (int i = 0; i < 5; ++i) {
    const auto r = store->append(make_message("body" + std::to_string(i)), {{q, 0}}, nullptr);
    ASSERT_EQ(r.status, AppendStatus::accepted);
    seqs.push_back(r.seq);
  }
  EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end()));
  EXPECT_EQ(store->queue_length(q), 5u);

  auto all = store->read(q, 0, 10);
  ASSERT_EQ(seqs_of(all), seqs);
  EXPECT_EQ(all[2].message->body, "body2");
  EXPECT_EQ(all[2].enqueued_at_ms, clock_.unix_millis());
  EXPECT_EQ(seqs_of(store->read(q, seqs[1], 2)), (std::vector<Sequence>{seqs[2], seqs[3]}));

  store->ack(q, seqs[0]);
  store->ack(q, seqs[2]);
  store->ack(q, seqs[2]);       // twice: no effect
  store->ack(q, 999'999);       // unknown: no effect
  store->ack(q + 100, seqs[1]); // unknown queue: no effect
  EXPECT_EQ(store->queue_length(q), 3u);
  EXPECT_EQ(seqs_of(store->read(q, 0, 10)), (std::vector<Sequence>{seqs[1], seqs[3], seqs[4]}));
}

TEST_F(MessageStoreTest, FanOutStoresTheBodyOnce) {
  auto store = open();
  const auto a = store->queue("a");
  const auto b = store->queue("b");
  const auto c = store->queue("c");
  const std::string body = "UNIQUE-BODY-" + std::string(1000, 'x');
  const auto before = store->disk_bytes();
  const auto r = store->append(make_message(body), {{a, 0}, {b, 0}, {c, 0}}, nullptr);
  ASSERT_EQ(r.status, AppendStatus::accepted);
  // One record on disk: the body is not repeated per queue.
  EXPECT_LT(store->disk_bytes() - before, body.size() + 300);
  store->flush();
  std::size_t copies = 0;
  for (const auto& f : testing::segment_files(dir_.path())) {
    const auto content = testing::read_file(f);
    for (auto pos = content.find("UNIQUE-BODY-"); pos != std::string::npos;
         pos = content.find("UNIQUE-BODY-", pos + 1))
      ++copies;
  }
  EXPECT_EQ(copies, 1u);
  // In memory, every queue hands out the same object.
  const auto from_a = store->read(a, 0, 1);
  const auto from_c = store->read(c, 0, 1);
  ASSERT_EQ(from_a.size(), 1u);
  ASSERT_EQ(from_c.size(), 1u);
  EXPECT_EQ(from_a[0].message.get(), from_c[0].message.get());
  // Acked on two queues, still there for the third.
  store->ack(a, r.seq);
  store->ack(b, r.seq);
  ASSERT_EQ(store->read(c, 0, 1).size(), 1u);
  EXPECT_EQ(store->read(c, 0, 1)[0].message->body, body);

  // After a reopen (cold cache) the queues still share one copy once it is read.
  store.reset();
  store = open();
  const auto again_c = store->read(c, 0, 1);
  ASSERT_EQ(again_c.size(), 1u);
  EXPECT_EQ(again_c[0].message->body, body);
  EXPECT_TRUE(store->read(a, 0, 1).empty());
}

TEST_F(MessageStoreTest, ReadsFromDiskWhenNotCached) {
  auto o = options_for(dir_.path());
  o.cache_bytes = 0;
  auto store = open(o);
  const auto q = store->queue("q");
  const auto m = make_message("from disk", "id-7");
  const auto r = store->append(m, {{q, 0}}, nullptr);
  const auto got = store->read(q, 0, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].seq, r.seq);
  EXPECT_EQ(*got[0].message, m);
  EXPECT_EQ(got[0].enqueued_at_ms, clock_.unix_millis());
}

TEST_F(MessageStoreTest, ReadsItsOwnWritesBeforeTheSyncThreadWroteThem) {
  // append() only buffers the record; the sync thread writes it. Until then read() must
  // still return it — from the cache, which keeps unwritten messages even with no room.
  auto o = options_for(dir_.path());
  o.cache_bytes = 0;
  o.group_commit_delay = std::chrono::seconds(5);  // the sync thread holds off writing
  auto store = open(o);
  const auto q = store->queue("q");
  store->flush();  // the queue's record is written: the sync thread is idle now
  const auto on_disk = testing::bytes_on_disk(dir_.path());
  testing::DurableLog log;
  std::vector<Message> sent;
  std::vector<Sequence> seqs;
  for (int i = 0; i < 20; ++i) {
    sent.push_back(make_message("unwritten " + std::to_string(i), "id-" + std::to_string(i)));
    seqs.push_back(store->append(sent.back(), {{q, 0}}, log.callback(static_cast<Sequence>(i))).seq);
  }
  ASSERT_EQ(testing::bytes_on_disk(dir_.path()), on_disk) << "append() wrote to the file itself";
  EXPECT_GT(store->disk_bytes(), on_disk) << "buffered bytes count as the store's bytes";
  auto got = store->read(q, 0, 100);
  ASSERT_EQ(seqs_of(got), seqs);
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(*got[i].message, sent[i]) << i;
  EXPECT_EQ(log.order().size(), 0u) << "reported durable before it was written";

  store->flush();  // does not wait out the delay
  EXPECT_EQ(log.ok(), 20u);
  EXPECT_TRUE(testing::disk_bytes_match(*store, dir_.path()));
  got = store->read(q, 0, 100);  // from the file now: the cache has no room
  ASSERT_EQ(seqs_of(got), seqs);
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(*got[i].message, sent[i]) << i;
}

TEST_F(MessageStoreTest, BadAppendsAreRefusedAndWriteNothing) {
  auto store = open();
  const auto q = store->queue("q");
  const auto before = store->disk_bytes();
  bool called = false;
  EXPECT_EQ(store->append(make_message("x"), {}, [&](bool) { called = true; }).status,
            AppendStatus::failed);
  EXPECT_EQ(store->append(make_message("x"), {{q + 5, 0}}, [&](bool) { called = true; }).status,
            AppendStatus::failed);
  store->flush();
  EXPECT_FALSE(called);
  EXPECT_EQ(store->disk_bytes(), before);
}

class DurabilityTest : public MessageStoreTest,
                       public ::testing::WithParamInterface<FsyncPolicy> {};

TEST_P(DurabilityTest, CallbacksRunOnceEachInAppendOrder) {
  auto o = options_for(dir_.path());
  o.fsync = GetParam();
  o.segment_bytes = 8 * 1024;  // several segments, so syncs span rolls
  auto store = open(o);
  const auto q = store->queue("q");
  testing::DurableLog log;
  const int kThreads = 4, kPerThread = GetParam() == FsyncPolicy::always ? 25 : 200;
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        // The callback may run before append() returns the sequence: it waits for it.
        auto slot = std::make_shared<std::atomic<Sequence>>(0);
        auto r = store->append(make_message(std::string(100, 'p')), {{q, 0}},
                               [&log, slot](bool ok) {
                                 while (slot->load() == 0) std::this_thread::yield();
                                 log.callback(slot->load())(ok);
                               });
        ASSERT_EQ(r.status, AppendStatus::accepted);
        slot->store(r.seq);
      }
    });
  }
  for (auto& w : writers) w.join();
  store->flush();
  const auto order = log.order();
  ASSERT_EQ(order.size(), static_cast<std::size_t>(kThreads * kPerThread))
      << "flush() returned before every callback ran";
  EXPECT_EQ(log.ok(), order.size());
  EXPECT_TRUE(std::is_sorted(order.begin(), order.end())) << "callbacks out of append order";
  EXPECT_EQ(std::adjacent_find(order.begin(), order.end()), order.end()) << "a callback ran twice";
  const auto fsyncs = store->counters().fsyncs;
  if (GetParam() == FsyncPolicy::always) {
    EXPECT_GE(fsyncs, order.size()) << "always: one per append";
  } else if (GetParam() == FsyncPolicy::never) {
    EXPECT_EQ(fsyncs, 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Policies, DurabilityTest,
                         ::testing::Values(FsyncPolicy::group, FsyncPolicy::always, FsyncPolicy::never),
                         [](const auto& instance) {
                           switch (instance.param) {
                             case FsyncPolicy::group: return std::string("group");
                             case FsyncPolicy::always: return std::string("always");
                             case FsyncPolicy::never: return std::string("never");
                           }
                           return std::string("unknown");
                         });

TEST_F(MessageStoreTest, GroupCommitDelayStillReportsEverything) {
  auto o = options_for(dir_.path());
  o.group_commit_delay = std::chrono::microseconds(2000);
  auto store = open(o);
  const auto q = store->queue("q");
  testing::DurableLog log;
  for (int i = 0; i < 50; ++i)
    ASSERT_EQ(store->append(make_message("x"), {{q, 0}}, log.callback(i)).status, AppendStatus::accepted);
  ASSERT_TRUE(testing::wait_until([&] { return log.ok() == 50; }))
      << "only " << log.ok() << " of 50 appends reported durable";
  // 50 appends in far less than the 2 ms wait: a handful of fsyncs cover them all.
  EXPECT_LT(store->counters().fsyncs, 25u) << "group commit did not batch";
}

// wake_on_append = false (how outpost-hub opens it): appends do not wake the writer, so the
// caller chooses when that wake-up costs it; wake_writer() then has everything reported.
// (That an append alone leaves the writer asleep is SyncThreadTest's: here the writer may
// still be busy with the background work the open asked for, and picks the appends up.)
TEST_F(MessageStoreTest, WithoutWakeOnAppendWakeWriterReportsEverything) {
  auto o = options_for(dir_.path());
  o.wake_on_append = false;
  auto store = open(o);
  const auto q = store->queue("q");
  testing::DurableLog log;
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(store->append(make_message("x"), {{q, 0}}, log.callback(i)).status, AppendStatus::accepted);
  EXPECT_EQ(store->read(q, 0, 10).size(), 3u) << "readable before they are written";
  store->wake_writer();
  ASSERT_TRUE(testing::wait_until([&] { return log.ok() == 3; })) << "only " << log.ok() << " of 3 reported durable";
}

TEST_F(MessageStoreTest, ReopenRestoresQueuesEntriesAndSequences) {
  Sequence last = 0;
  QueueId a = 0, b = 0;
  std::vector<Sequence> kept_a;
  {
    auto o = options_for(dir_.path());
    o.segment_bytes = 4096;  // many segments
    auto store = open(o);
    a = store->queue("module1/input1");
    b = store->queue("$upstream_Pri0");
    for (int i = 0; i < 100; ++i) {
      const auto r = store->append(make_message("m" + std::to_string(i)),
                                   i % 2 ? std::vector<QueueTarget>{{a, 0}, {b, 0}} : std::vector<QueueTarget>{{a, 0}},
                                   nullptr);
      ASSERT_EQ(r.status, AppendStatus::accepted);
      last = r.seq;
      if (i % 3 == 0)
        store->ack(a, r.seq);
      else
        kept_a.push_back(r.seq);
    }
    EXPECT_GT(testing::segment_files(dir_.path()).size(), 3u);
  }
  auto store = open();
  EXPECT_EQ(store->queue("module1/input1"), a);
  EXPECT_EQ(store->queue("$upstream_Pri0"), b);
  const auto stats = store->stats();
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].name, "module1/input1");
  EXPECT_EQ(stats[0].length, kept_a.size());
  EXPECT_EQ(stats[1].length, 50u);
  const auto got = store->read(a, 0, 1000);
  EXPECT_EQ(seqs_of(got), kept_a);
  EXPECT_EQ(got.back().message->body, "m98");
  const auto next = store->append(make_message("after"), {{a, 0}}, nullptr);
  EXPECT_GT(next.seq, last) << "sequences must continue after the highest seen";
}

TEST_F(MessageStoreTest, AnyQueueNameSurvivesAReopen) {
  const std::vector<std::string> names{"", "$upstream_Pri9", std::string("nul\0inside", 11),
                                       std::string(300, 'n')};
  std::vector<QueueId> ids;
  {
    auto store = open();
    for (const auto& name : names) {
      ids.push_back(store->queue(name));
      store->append(make_message(name), {{ids.back(), 0}}, nullptr);
    }
  }
  auto store = open();
  for (std::size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(store->queue(names[i]), ids[i]);
    ASSERT_EQ(store->read(ids[i], 0, 10).size(), 1u) << i;
    EXPECT_EQ(store->read(ids[i], 0, 10)[0].message->body, names[i]);
  }
  EXPECT_EQ(store->counters().truncated_bytes, 0u);
}

TEST_F(MessageStoreTest, SequencesContinueEvenWhenEveryMessageWasDeleted) {
  Sequence last = 0;
  {
    auto o = options_for(dir_.path());
    o.segment_bytes = 4096;
    auto store = open(o);
    const auto q = store->queue("q");
    for (int i = 0; i < 60; ++i) {
      last = store->append(make_message(std::string(200, 'd')), {{q, 0}}, nullptr).seq;
      store->ack(q, last);
    }
    store->flush();  // deletes the consumed segments
  }
  auto store = open();
  const auto q = store->queue("q");
  EXPECT_GT(store->append(make_message("x"), {{q, 0}}, nullptr).seq, last);
}

TEST_F(MessageStoreTest, ASecondOpenOfTheSameFolderIsRefused) {
  auto store = open();
  auto second = MessageStore::open(options_for(dir_.path()), clock_);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().find("already open"), std::string::npos) << second.error();
  store.reset();
  EXPECT_TRUE(MessageStore::open(options_for(dir_.path()), clock_));
}

TEST_F(MessageStoreTest, BadOptionsGetClearErrors) {
  StoreOptions o;
  auto r = MessageStore::open(o, clock_);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("no folder"), std::string::npos);
  o.folder = dir_.path();
  o.max_bytes = 1000;
  r = MessageStore::open(o, clock_);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("max_bytes"), std::string::npos);
}

}  // namespace
}  // namespace outpost::store

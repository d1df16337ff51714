// The SQLite telemetry log: group-committed appends with increasing sequence numbers,
// reads from a sequence or a time, per-device filtering, retention by age and by size.
#include <gtest/gtest.h>

#include <future>

#include "sqlite_telemetry_log.h"
#include "time_text.h"
#include "cloud_test_util.h"

namespace outpost::cloud {
namespace {

TelemetryEvent event(const std::string& device, std::int64_t ms, std::size_t body_size = 10) {
  TelemetryEvent e;
  e.device_id = device;
  e.enqueued_ms = ms;
  e.message.body = std::string(body_size, 'x');
  e.message.system.set(std::string(sysprop::kMessageId), device + "-" + std::to_string(ms));
  e.message.application.set("bare", std::nullopt);
  return e;
}

std::vector<TelemetryEvent> append_one(TelemetryLog& store, TelemetryEvent e) {
  std::promise<std::vector<TelemetryEvent>> done;
  std::vector<TelemetryEvent> batch{std::move(e)};
  store.append(std::move(batch), [&](const Status& s, std::vector<TelemetryEvent>&& events) {
    EXPECT_TRUE(s.ok());
    done.set_value(std::move(events));
  });
  auto f = done.get_future();
  EXPECT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  return f.get();
}

TEST(TelemetryLog, AppendsAreDurableInOrderAndReadable) {
  testing::TempDir dir;
  ManualClock clock;
  TelemetryLogOptions o;
  o.file = dir.path() / "telemetry.db";
  o.retention = {0, 0};
  {
    SqliteTelemetryLog store(o, clock);
    const auto first = append_one(store, event("a", 1000));
    EXPECT_EQ(first.at(0).seq, 1);
    for (int i = 1; i < 50; ++i) append_one(store, event(i % 2 ? "b" : "a", 1000 + i));
    const auto stats = store.stats();
    EXPECT_EQ(stats.stored, 50u);
    EXPECT_EQ(stats.event_count, 50u);
    EXPECT_EQ(stats.last_seq, 50);

    auto all = store.read({std::int64_t{1}, std::nullopt, "", 100});
    ASSERT_TRUE(all.ok()) << all.error();
    ASSERT_EQ(all->size(), 50u);
    EXPECT_EQ((*all)[10].seq, 11);
    EXPECT_EQ((*all)[0].message.system.get(sysprop::kMessageId), "a-1000");
    EXPECT_TRUE((*all)[0].message.application.contains("bare"));
    EXPECT_FALSE((*all)[0].message.application.get("bare").has_value());

    auto only_b = store.read({std::nullopt, std::nullopt, "b", 100});
    ASSERT_TRUE(only_b.ok());
    EXPECT_EQ(only_b->size(), 25u);
    auto from_time = store.read({std::nullopt, std::int64_t{1040}, "", 100});
    ASSERT_TRUE(from_time.ok());
    ASSERT_EQ(from_time->size(), 10u);
    EXPECT_EQ(from_time->front().enqueued_ms, 1040);
    auto page = store.read({std::int64_t{45}, std::nullopt, "", 3});
    ASSERT_TRUE(page.ok());
    ASSERT_EQ(page->size(), 3u);
    EXPECT_EQ(page->back().seq, 47);
  }
  // Sequence numbers continue after a restart.
  SqliteTelemetryLog reopened(o, clock);
  EXPECT_EQ(reopened.stats().event_count, 50u);
  EXPECT_EQ(append_one(reopened, event("a", 2000)).at(0).seq, 51);
}

TEST(TelemetryLog, ManyConcurrentAppendsAreGroupCommitted) {
  testing::TempDir dir;
  TelemetryLogOptions o;
  o.file = dir.path() / "telemetry.db";
  SqliteTelemetryLog store(o);
  std::atomic<int> acknowledged{0};
  for (int i = 0; i < 2000; ++i) {
    std::vector<TelemetryEvent> batch{event("d", i)};
    store.append(std::move(batch), [&](const Status& s, std::vector<TelemetryEvent>&&) {
      if (s.ok()) ++acknowledged;
    });
  }
  store.flush();
  EXPECT_EQ(acknowledged.load(), 2000);
  EXPECT_EQ(store.stats().last_seq, 2000);
}

TEST(TelemetryLog, RetentionByAgeAndBySizeIsCounted) {
  testing::TempDir dir;
  ManualClock clock;
  TelemetryLogOptions o;
  o.file = dir.path() / "telemetry.db";
  o.retention.max_age_ms = 60'000;
  o.retention.max_bytes = 0;
  o.retention_interval = std::chrono::hours(1);  // only when asked
  SqliteTelemetryLog store(o, clock);
  const auto now = clock.unix_millis();
  for (int i = 0; i < 10; ++i) append_one(store, event("d", now - 120'000 + i));  // too old
  for (int i = 0; i < 5; ++i) append_one(store, event("d", now + i));
  store.enforce_retention_now();
  auto stats = store.stats();
  EXPECT_EQ(stats.expired_age, 10u);
  EXPECT_EQ(stats.event_count, 5u);
  EXPECT_EQ(stats.first_seq, 11);
  auto left = store.read({std::int64_t{0}, std::nullopt, "", 100});
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left->size(), 5u);
}

TEST(TelemetryLog, SizeCapDeletesTheOldestFirst) {
  testing::TempDir dir;
  ManualClock clock;
  TelemetryLogOptions o;
  o.file = dir.path() / "telemetry.db";
  o.retention.max_age_ms = 0;
  o.retention.max_bytes = 10'000;
  o.retention_interval = std::chrono::hours(1);
  SqliteTelemetryLog store(o, clock);
  for (int i = 0; i < 40; ++i) append_one(store, event("d", i, 1000));
  store.enforce_retention_now();
  const auto stats = store.stats();
  EXPECT_LE(stats.bytes, 10'000u);
  EXPECT_GT(stats.expired_size, 0u);
  EXPECT_EQ(stats.expired_size + stats.event_count, 40u);
  auto left = store.read({std::int64_t{0}, std::nullopt, "", 100});
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left->back().seq, 40);
  EXPECT_EQ(left->front().seq, static_cast<std::int64_t>(stats.expired_size) + 1);
}

TEST(TimeText, ParsesIso8601) {
  EXPECT_EQ(parse_iso8601_ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_iso8601_ms("2023-11-14T22:13:20.123Z"), 1700000000123);
  EXPECT_EQ(parse_iso8601_ms("2023-11-14T23:13:20.5+01:00"), 1700000000500);
  EXPECT_EQ(format_iso8601_ms(1700000000123), "2023-11-14T22:13:20.123Z");
  EXPECT_FALSE(parse_iso8601_ms("2023-02-30T00:00:00Z"));
  EXPECT_FALSE(parse_iso8601_ms("2023-11-14 22:13"));
  EXPECT_FALSE(parse_iso8601_ms("2023-11-14T22:13:20"));
  EXPECT_FALSE(parse_iso8601_ms("yesterday"));
}

}  // namespace
}  // namespace outpost::cloud

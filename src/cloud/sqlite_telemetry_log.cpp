#include "sqlite_telemetry_log.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "model_json.h"
#include "outpost/sqlite/database.h"
#include "outpost/core/json.h"

namespace outpost::cloud {

using sqlite::Statement;

using nlohmann::json;

struct SqliteTelemetryLog::Impl {
  Impl(TelemetryLogOptions o, const Clock& c)
      : options(std::move(o)),
        clock(c),
        writer_db(options.file.string(), options.fsync ? sqlite::Database::Sync::full : sqlite::Database::Sync::normal) {
    writer_db.exec(
        "CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, enqueued_ms INTEGER NOT NULL,"
        " device_id TEXT NOT NULL, module_id TEXT NOT NULL, size INTEGER NOT NULL, system TEXT NOT NULL,"
        " application TEXT NOT NULL, body BLOB NOT NULL);"
        "CREATE INDEX IF NOT EXISTS events_by_time ON events (enqueued_ms);");
    Statement totals(writer_db, "SELECT COUNT(*), COALESCE(SUM(size), 0), COALESCE(MIN(seq), 0), COALESCE(MAX(seq), 0) FROM events");
    if (totals.step()) {
      stats.event_count = static_cast<std::uint64_t>(totals.integer(0));
      stats.bytes = static_cast<std::uint64_t>(totals.integer(1));
      stats.first_seq = totals.integer(2);
      stats.last_seq = totals.integer(3);
    }
    next_seq = stats.last_seq + 1;
    reader_db = std::make_unique<sqlite::Database>(options.file.string(), sqlite::Database::Sync::normal);
    insert = std::make_unique<Statement>(writer_db,
        "INSERT INTO events (seq, enqueued_ms, device_id, module_id, size, system, application, body)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    writer = std::thread([this] { run(); });
  }

  ~Impl() {
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    wake.notify_all();
    writer.join();
  }

  struct Batch {
    std::vector<TelemetryEvent> events;
    Done done;
  };

  TelemetryLogOptions options;
  const Clock& clock;
  sqlite::Database writer_db;
  std::unique_ptr<sqlite::Database> reader_db;
  std::unique_ptr<Statement> insert;

  mutable std::mutex mutex;
  std::condition_variable wake;     // the writer waits here for work
  std::condition_variable drained;  // flush() waits here
  std::deque<Batch> queue;
  std::size_t queued_events = 0;
  bool writing = false;
  bool stopping = false;
  bool retention_requested = false;
  std::uint64_t retention_runs = 0;
  std::int64_t next_seq = 1;
  RetentionStats stats;  // guarded by mutex
  std::thread writer;

  void run() {
    auto next_retention = std::chrono::steady_clock::now();
    std::unique_lock lock(mutex);
    while (true) {
      wake.wait_until(lock, next_retention, [&] { return stopping || !queue.empty() || retention_requested; });
      if (!queue.empty()) {
        std::vector<Batch> batches;
        std::size_t taken = 0;
        while (!queue.empty() && (taken == 0 || taken + queue.front().events.size() <= options.max_batch)) {
          taken += queue.front().events.size();
          batches.push_back(std::move(queue.front()));
          queue.pop_front();
        }
        queued_events -= taken;
        writing = true;
        lock.unlock();
        commit(batches);
        lock.lock();
        writing = false;
        drained.notify_all();
      }
      if (stopping && queue.empty()) break;
      const auto now = std::chrono::steady_clock::now();
      if (retention_requested || now >= next_retention) {
        retention_requested = false;
        lock.unlock();
        enforce_retention();
        lock.lock();
        ++retention_runs;
        drained.notify_all();
        next_retention = std::chrono::steady_clock::now() + options.retention_interval;
      }
    }
  }

  void commit(std::vector<Batch>& batches) {
    Status status;
    std::uint64_t bytes = 0, count = 0;
    std::int64_t last = 0;
    try {
      writer_db.exec("BEGIN");
      for (const auto& batch : batches) {
        for (const auto& e : batch.events) {
          const auto size = static_cast<std::int64_t>(e.stored_size());
          insert->bind(1, e.seq).bind(2, e.enqueued_ms).bind(3, e.device_id).bind(4, e.module_id).bind(5, size)
              .bind(6, properties_json(e.message.system).dump())
              .bind(7, properties_json(e.message.application).dump())
              .bind_blob(8, e.message.body)
              .run();
          bytes += static_cast<std::uint64_t>(size);
          ++count;
          last = e.seq;
        }
      }
      writer_db.exec("COMMIT");
    } catch (const DatabaseFailure& failure) {
      try {
        writer_db.exec("ROLLBACK");
      } catch (const DatabaseFailure&) {
      }
      spdlog::error("cloud: telemetry log: {}", failure.what());
      status = make_error(failure.what());
    }
    {
      std::lock_guard lock(mutex);
      if (status.ok()) {
        stats.stored += count;
        stats.event_count += count;
        stats.bytes += bytes;
        stats.last_seq = last;
        if (stats.first_seq == 0) stats.first_seq = batches.front().events.front().seq;
      } else {
        for (const auto& b : batches) stats.failed += b.events.size();
      }
    }
    for (auto& b : batches)
      if (b.done) b.done(status, std::move(b.events));
  }

  // Deletes events older than max_age, then the oldest until under max_bytes.
  void enforce_retention() {
    try {
      const auto& r = options.retention;
      if (r.max_age_ms > 0) {
        const auto cutoff = clock.unix_millis() - r.max_age_ms;
        Statement measure(writer_db, "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM events WHERE enqueued_ms < ?1");
        measure.bind(1, cutoff);
        if (measure.step() && measure.integer(0) > 0) {
          const auto n = static_cast<std::uint64_t>(measure.integer(0));
          const auto b = static_cast<std::uint64_t>(measure.integer(1));
          measure.reset();
          Statement del(writer_db, "DELETE FROM events WHERE enqueued_ms < ?1");
          del.bind(1, cutoff).run();
          account(n, b, true);
        }
      }
      while (r.max_bytes > 0) {
        std::uint64_t held;
        {
          std::lock_guard lock(mutex);
          held = stats.bytes;
        }
        if (held <= r.max_bytes) break;
        // Free down to 90% of the cap at once, so a full store does not delete per event.
        const std::uint64_t target = held - r.max_bytes + r.max_bytes / 10;
        Statement oldest(writer_db, "SELECT seq, size FROM events ORDER BY seq LIMIT 4096");
        std::uint64_t freed = 0, n = 0;
        std::int64_t cutoff = 0;
        while (freed < target && oldest.step()) {
          cutoff = oldest.integer(0);
          freed += static_cast<std::uint64_t>(oldest.integer(1));
          ++n;
        }
        oldest.reset();
        if (n == 0) break;
        Statement del(writer_db, "DELETE FROM events WHERE seq <= ?1");
        del.bind(1, cutoff).run();
        account(n, freed, false);
      }
      std::lock_guard lock(mutex);
      if (stats.event_count == 0) stats.first_seq = 0;
    } catch (const DatabaseFailure& failure) {
      spdlog::error("cloud: telemetry retention: {}", failure.what());
    }
  }

  void account(std::uint64_t n, std::uint64_t bytes, bool age) {
    Statement first(writer_db, "SELECT COALESCE(MIN(seq), 0) FROM events");
    const auto first_seq = first.step() ? first.integer(0) : 0;
    std::lock_guard lock(mutex);
    (age ? stats.expired_age : stats.expired_size) += n;
    stats.event_count -= std::min(stats.event_count, n);
    stats.bytes -= std::min(stats.bytes, bytes);
    stats.first_seq = first_seq;
  }
};

SqliteTelemetryLog::SqliteTelemetryLog(TelemetryLogOptions options, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(options), clock)) {}

SqliteTelemetryLog::~SqliteTelemetryLog() {
  if (impl_) flush();
}

void SqliteTelemetryLog::append(std::vector<TelemetryEvent> events, Done done) {
  if (events.empty()) {
    if (done) done({}, std::move(events));
    return;
  }
  {
    std::lock_guard lock(impl_->mutex);
    for (auto& e : events) e.seq = impl_->next_seq++;
    impl_->queued_events += events.size();
    impl_->queue.push_back({std::move(events), std::move(done)});
  }
  impl_->wake.notify_one();
}

void SqliteTelemetryLog::flush() {
  std::unique_lock lock(impl_->mutex);
  impl_->drained.wait(lock, [&] { return impl_->queue.empty() && !impl_->writing; });
}

void SqliteTelemetryLog::enforce_retention_now() {
  std::unique_lock lock(impl_->mutex);
  const auto runs = impl_->retention_runs;
  impl_->retention_requested = true;
  impl_->wake.notify_one();
  impl_->drained.wait(lock, [&] { return impl_->retention_runs > runs; });
}

RetentionStats SqliteTelemetryLog::stats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->stats;
}

Result<std::vector<TelemetryEvent>> SqliteTelemetryLog::read(const EventQuery& q) {
  try {
    auto& db = *impl_->reader_db;
    std::int64_t from_seq = q.from_seq.value_or(0);
    const std::int64_t from_ms = q.from_ms.value_or(0);
    if (!q.from_seq && q.from_ms) {
      Statement first(db, "SELECT seq FROM events WHERE enqueued_ms >= ?1 ORDER BY enqueued_ms LIMIT 1");
      first.bind(1, from_ms);
      if (!first.step()) return std::vector<TelemetryEvent>{};
      from_seq = first.integer(0);
    }
    Statement select(db,
                     "SELECT seq, enqueued_ms, device_id, module_id, system, application, body FROM events"
                     " WHERE seq >= ?1 AND enqueued_ms >= ?2 AND (?3 = '' OR device_id = ?3)"
                     " ORDER BY seq LIMIT ?4");
    select.bind(1, from_seq).bind(2, from_ms).bind(3, q.device_id).bind(4, static_cast<std::int64_t>(q.limit));
    std::vector<TelemetryEvent> out;
    while (select.step()) {
      TelemetryEvent e;
      e.seq = select.integer(0);
      e.enqueued_ms = select.integer(1);
      e.device_id = select.text(2);
      e.module_id = select.text(3);
      e.message.system = properties_from_json(parse_json(select.text(4)).value_or(json()));
      e.message.application = properties_from_json(parse_json(select.text(5)).value_or(json()));
      e.message.body = select.text(6);
      out.push_back(std::move(e));
    }
    return out;
  } catch (const DatabaseFailure& failure) {
    return make_error(failure.what());
  }
}

}  // namespace outpost::cloud

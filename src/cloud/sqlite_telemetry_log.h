// The embedded TelemetryLog: device-to-cloud events in their own SQLite file (WAL), so
// ingestion never waits on registry writes. A writer thread commits whatever has been
// queued as one transaction (group commit: one fsync for many events) and then hands the
// events back; the same thread enforces retention between batches. Reads use a second
// connection and run on the caller's thread.
//
// Schema (version 1):
//   events (seq INTEGER PRIMARY KEY, enqueued_ms, device_id, module_id, size,
//           system TEXT (JSON list), application TEXT (JSON list), body BLOB)
//   index events_by_time (enqueued_ms)
#pragma once
#include <chrono>
#include <filesystem>
#include <memory>

#include "cloud_database.h"
#include "outpost/core/clock.h"

namespace outpost::cloud {

struct TelemetryLogOptions {
  std::filesystem::path file;
  RetentionPolicy retention;
  std::chrono::milliseconds retention_interval{1000};  // how often retention runs
  bool fsync = true;             // synchronous=FULL (every commit reaches the disk) or NORMAL
  std::size_t max_batch = 4096;  // events per transaction
};

class SqliteTelemetryLog final : public TelemetryLog {
 public:
  // Throws DatabaseFailure when the file cannot be opened or set up.
  SqliteTelemetryLog(TelemetryLogOptions options, const Clock& clock = SystemClock::instance());
  ~SqliteTelemetryLog() override;  // flushes, then stops the writer

  void append(std::vector<TelemetryEvent> events, Done done) override;
  Result<std::vector<TelemetryEvent>> read(const EventQuery& query) override;
  RetentionStats stats() const override;
  void flush() override;
  // Runs retention now, on the writer thread, and waits for it (tests).
  void enforce_retention_now();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace outpost::cloud

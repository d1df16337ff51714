// The durable message store behind store-and-forward: every message is written once to an
// append-only, segmented, CRC-framed log together with the queues it was routed to; each
// queue — one per (endpoint, priority) — is a list of references into that log, consumed
// by acknowledging entries. A message is reported durable only after the fsync policy has
// put it on disk, and the hub acknowledges its sender (PUBACK) only then.
//
// On-disk format, file naming, recovery and compaction: src/store/README.md.
//
// Threading: all public methods are thread-safe (one internal mutex). Durability callbacks
// run on the store's sync thread; callers post them to their own executor.
#pragma once
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "outpost/core/clock.h"
#include "outpost/core/message.h"
#include "outpost/core/result.h"

namespace outpost::store {

enum class FsyncPolicy {
  group,  // default: fdatasync back to back, each covering every write since the last
  always, // one fdatasync per append (slow; for comparison and paranoid setups)
  never,  // never fsync, report once written: survives a process crash (page cache), not a power cut
};

struct StoreOptions {
  std::filesystem::path folder;
  std::uint64_t max_bytes = 0;            // cap on the log's bytes on disk; 0 = no cap
  FsyncPolicy fsync = FsyncPolicy::group;
  std::chrono::microseconds group_commit_delay{0};  // extra wait to batch more per fsync
  std::uint64_t segment_bytes = 0;        // 0 = automatic: min(16 MiB, max(64 KiB, max_bytes/16))
  std::size_t cache_bytes = 8 << 20;      // recent message bodies kept in memory for delivery
  // false: append() does not wake the sync thread; the caller calls wake_writer() once what
  // it does right after appending (delivering the message) is done. Waking a thread costs a
  // futex call and, on a busy machine, a preemption: the hub keeps that off the delivery path.
  bool wake_on_append = true;
};

using Sequence = std::uint64_t;  // global, increasing; 0 is never a message
using QueueId = std::uint32_t;

struct QueueTarget {
  QueueId queue;
  std::int64_t expires_at_ms = 0;  // unix ms; 0 = never expires
};

struct QueuedMessage {
  Sequence seq = 0;
  std::int64_t enqueued_at_ms = 0;
  std::shared_ptr<const Message> message;  // one copy shared by every queue holding it
};

enum class AppendStatus {
  accepted,  // stored and readable now; on_durable follows once it is written (and synced)
  full,      // the byte cap is reached: nothing written (back-pressure; retry after on_space)
  failed,    // I/O error: nothing acknowledged
};

struct AppendResult {
  AppendStatus status = AppendStatus::failed;
  Sequence seq = 0;
};

struct QueueStats {
  std::string name;
  QueueId id = 0;
  std::uint64_t length = 0;  // entries not yet acknowledged or expired
};

struct ExpiredCount {
  QueueId queue;
  std::uint64_t count;
};

// What the store did that an operator should be able to see (metrics, logs): nothing is
// dropped or repaired silently.
struct StoreCounters {
  std::uint64_t segments = 0;            // segment files in the folder now
  std::uint64_t fsyncs = 0;              // fdatasync calls by group commit (not compaction)
  std::uint64_t corrupt_segments = 0;    // at open: damaged segments (rest skipped or set aside)
  std::uint64_t truncated_bytes = 0;     // at open: torn tail cut off the last segment
  std::uint64_t expired = 0;             // queue entries dropped by TTL (expire() and at open)
  std::uint64_t compactions = 0;         // segments rewritten by copy-forward, then deleted
  std::uint64_t copied_messages = 0;     // messages copied forward by those compactions
  std::uint64_t deleted_segments = 0;    // segment files deleted (dead or compacted)
  std::uint64_t full_rejections = 0;     // appends refused with AppendStatus::full
  std::uint64_t lost_acks = 0;           // acks never written (I/O error, or cap at close): redelivered
  std::uint64_t unreadable_messages = 0; // records damaged after open: dropped from their queues
};

class MessageStore {
 public:
  virtual ~MessageStore() = default;

  // Opens (creating if needed) the store in options.folder and recovers its state: the log is
  // scanned, a torn tail is cut off, queues and checkpoints are rebuilt. Errors say what failed.
  static Result<std::unique_ptr<MessageStore>> open(const StoreOptions& options,
                                                    const Clock& clock = SystemClock::instance());

  // The queue with this name (e.g. "$upstream_Pri0"), created and persisted on first use.
  virtual QueueId queue(std::string_view name) = 0;

  // Stores `message` once and enqueues it on every target. `on_durable(ok)` runs once, on the
  // sync thread, when the record is on disk under the fsync policy (ok) or failed (!ok).
  // append() itself does no I/O: the record is buffered and the sync thread writes each
  // group with one write; if that write fails, its messages get !ok and leave their queues.
  // With status `full` or `failed` nothing was stored and on_durable is never called.
  // The store keeps `message` itself (readers get it from its cache until it is on disk), so a
  // caller that is done with its message hands it over instead of having it copied.
  virtual AppendResult append(std::shared_ptr<const Message> message, const std::vector<QueueTarget>& targets,
                              std::function<void(bool ok)> on_durable) = 0;
  AppendResult append(const Message& message, const std::vector<QueueTarget>& targets,
                      std::function<void(bool ok)> on_durable) {
    return append(std::make_shared<const Message>(message), targets, std::move(on_durable));
  }

  // Up to `max` entries of `queue` with seq > `after`, oldest first; expired entries skipped.
  virtual std::vector<QueuedMessage> read(QueueId queue, Sequence after, std::size_t max) = 0;

  // Removes one entry from `queue` (delivered). Unknown or already removed: no effect.
  // Acks are written lazily (no fsync): losing one on a crash means a redelivery, not a loss.
  virtual void ack(QueueId queue, Sequence seq) = 0;

  // Drops every entry whose expiry is at or before `now`; returns how many per queue.
  // Cost is proportional to the number expired, not to the queue lengths.
  virtual std::vector<ExpiredCount> expire(std::int64_t now_ms) = 0;

  // Starts writing what append() buffered (needed only with wake_on_append = false).
  virtual void wake_writer() = 0;

  // Called (on any thread) when space frees up after an append returned `full`.
  virtual void on_space_available(std::function<void()> callback) = 0;

  virtual std::vector<QueueStats> stats() const = 0;
  virtual std::uint64_t queue_length(QueueId queue) const = 0;
  // Bytes of the segment files, counting records buffered for the next write (what the cap
  // limits); the files hold exactly this once flush() returns.
  virtual std::uint64_t disk_bytes() const = 0;
  virtual StoreCounters counters() const = 0;

  // Writes out and fsyncs everything pending (no fsync under FsyncPolicy::never) and returns
  // once every on_durable of an earlier append has run; used at shutdown and by tests.
  // Not from inside an on_durable callback.
  virtual void flush() = 0;
};

}  // namespace outpost::store

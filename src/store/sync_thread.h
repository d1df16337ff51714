// Group commit. Writers buffer records in a segment under the store's lock (Segment::append),
// then submit() their durability callback here; this thread writes every segment's buffer
// (one pwritev each), fdatasyncs every segment written since its last sync, back to back,
// and then runs the callbacks that pass covered, in submission order.
//
//   group  : one pass covers everything submitted before it started (optionally after
//            waiting `group_commit_delay` to let more arrive).
//   always : one fdatasync per submitted callback (the writes may still be batched).
//   never  : callbacks right after the write, no fdatasync at all (not even on flush()).
//
// A callback gets false when the write that carried its record failed (Segment::lost);
// the store is told through `on_lost_write` first, so it can drop what never reached the
// file. Writes continue in a new segment. A failed fdatasync is sticky instead: its
// callbacks and every later one get false, since after a failed fsync Linux may have
// dropped the dirty pages and a later fsync "succeeds" anyway.
//
// Bytes buffered without a callback (acks, compaction copies) are written at the next
// pass too, but do not cause an fsync of their own.
//
// The thread also runs the store's background work (writing buffered acks, deleting and
// compacting segments) when asked, between passes and without holding its own lock.
//
// Lock order: the store's mutex may be held while calling in here, never the other way;
// `background_work` and `on_lost_write` are called with no lock held.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "outpost/store/message_store.h"
#include "segment.h"

namespace outpost::store {

class SyncThread {
 public:
  SyncThread(FsyncPolicy policy, std::chrono::microseconds group_delay,
             std::function<void()> background_work, std::function<void()> on_lost_write = {});
  ~SyncThread();  // stops after a last pass over everything submitted

  // A record ending at byte `end` of `segment` was buffered; `on_durable` (may be empty)
  // runs once it is written and synced under the policy.
  // `wake` false leaves the thread asleep until wake() (or any other request).
  void submit(const SegmentPtr& segment, std::uint64_t end, std::function<void(bool)> on_durable, bool wake = true);
  void wake();
  // `segment` has bytes buffered that need no callback (acks, queue names, compaction).
  void note_write(const SegmentPtr& segment);
  // Asks for background_work() to run soon on this thread.
  void request_background_work();
  // The same without waking the thread: it runs after the next pass, or kLazyDelay from
  // now at the latest. For work that only needs doing eventually (writing acks, deleting
  // consumed segments), so that acking a stream of messages does not wake this thread,
  // and contend for the store's lock, once per ack.
  void request_background_work_later();
  static constexpr std::chrono::milliseconds kLazyDelay{10};
  // Writes and syncs everything buffered so far (no sync under `never`) and waits until
  // every callback submitted before the call has run. Must not be called from a callback.
  void flush();
  void stop();

  bool failed() const;
  std::uint64_t fsyncs() const;  // fdatasync calls so far (group commit: far fewer than appends)

 private:
  struct Pending {
    SegmentPtr segment;
    std::uint64_t end = 0;
    std::function<void(bool)> on_durable;
  };

  void run();
  // One pass: write, maybe sync, run callbacks. Called and returns with `lock` held.
  void pass(std::unique_lock<std::mutex>& lock, bool forced);
  static void add(std::vector<SegmentPtr>& set, const SegmentPtr& segment);

  const FsyncPolicy policy_;
  const std::chrono::microseconds group_delay_;
  std::function<void()> background_work_;
  std::function<void()> on_lost_write_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;     // to the sync thread
  std::condition_variable progress_; // to flush() callers
  std::deque<Pending> pending_;
  std::vector<SegmentPtr> unwritten_;  // have buffered bytes
  std::vector<SegmentPtr> unsynced_;   // written since their last fdatasync
  std::uint64_t flush_requested_ = 0;  // generation numbers: a flush waits for a pass
  std::uint64_t flush_done_ = 0;       // that started after it, and for the callbacks
  std::uint64_t submitted_ = 0;        // submitted before it to have run
  std::uint64_t completed_ = 0;
  bool background_requested_ = false;
  bool background_later_ = false;
  bool failed_ = false;
  std::uint64_t fsyncs_ = 0;
  bool stopping_ = false;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace outpost::store

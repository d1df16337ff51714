// Group commit. Writers append under the store's lock, then submit() their durability
// callback here; this thread fdatasyncs every segment written since its last pass, back to
// back, and then runs the callbacks that pass covered, in submission order.
//
//   group  : one fdatasync covers everything submitted before it started (optionally after
//            waiting `group_commit_delay` to let more arrive).
//   always : one fdatasync per submitted callback.
//   never  : callbacks right after the write, no fdatasync at all (not even on flush()).
//
// A failed fdatasync is sticky: its callbacks and every later one get false, since after a
// failed fsync Linux may have dropped the dirty pages and a later fsync "succeeds" anyway.
//
// The thread also runs the store's background work (writing buffered acks, deleting and
// compacting segments) when asked, between sync passes and without holding its own lock.
//
// Lock order: the store's mutex may be held while calling in here, never the other way.
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
             std::function<void()> background_work);
  ~SyncThread();  // stops after a last pass over everything submitted

  // `segment` was written; `on_durable` (may be empty) runs once that write is synced.
  void submit(const SegmentPtr& segment, std::function<void(bool)> on_durable);
  // `segment` was written by something that needs no callback (acks, compaction).
  void note_write(const SegmentPtr& segment);
  // Asks for background_work() to run soon on this thread.
  void request_background_work();
  // Syncs everything written so far (unless the policy is `never`) and waits until every
  // callback submitted before the call has run. Must not be called from a callback.
  void flush();
  void stop();

  bool failed() const;
  std::uint64_t fsyncs() const;  // fdatasync calls so far (group commit: far fewer than appends)

 private:
  struct Pending {
    SegmentPtr segment;
    std::function<void(bool)> on_durable;
  };

  void run();
  void mark_dirty_locked(const SegmentPtr& segment);

  const FsyncPolicy policy_;
  const std::chrono::microseconds group_delay_;
  std::function<void()> background_work_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;     // to the sync thread
  std::condition_variable progress_; // to flush() callers
  std::deque<Pending> pending_;
  std::vector<SegmentPtr> dirty_;    // written since the last pass
  std::uint64_t flush_requested_ = 0;  // generation numbers: a flush waits for a pass
  std::uint64_t flush_done_ = 0;       // that started after it, and for the callbacks
  std::uint64_t submitted_ = 0;        // submitted before it to have run
  std::uint64_t completed_ = 0;
  bool background_requested_ = false;
  bool failed_ = false;
  std::uint64_t fsyncs_ = 0;
  bool stopping_ = false;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace outpost::store

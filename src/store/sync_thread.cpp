#include "sync_thread.h"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace outpost::store {

SyncThread::SyncThread(FsyncPolicy policy, std::chrono::microseconds group_delay,
                       std::function<void()> background_work)
    : policy_(policy), group_delay_(group_delay), background_work_(std::move(background_work)) {
  thread_ = std::thread([this] { run(); });
}

SyncThread::~SyncThread() { stop(); }

void SyncThread::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

bool SyncThread::failed() const {
  std::lock_guard lock(mutex_);
  return failed_;
}

std::uint64_t SyncThread::fsyncs() const {
  std::lock_guard lock(mutex_);
  return fsyncs_;
}

void SyncThread::mark_dirty_locked(const SegmentPtr& segment) {
  if (std::find(dirty_.begin(), dirty_.end(), segment) == dirty_.end()) dirty_.push_back(segment);
}

void SyncThread::submit(const SegmentPtr& segment, std::function<void(bool)> on_durable) {
  {
    std::lock_guard lock(mutex_);
    mark_dirty_locked(segment);
    pending_.push_back(Pending{segment, std::move(on_durable)});
    ++submitted_;
  }
  wake_.notify_one();
}

void SyncThread::note_write(const SegmentPtr& segment) {
  std::lock_guard lock(mutex_);
  mark_dirty_locked(segment);
}

void SyncThread::request_background_work() {
  {
    std::lock_guard lock(mutex_);
    background_requested_ = true;
  }
  wake_.notify_one();
}

void SyncThread::flush() {
  std::unique_lock lock(mutex_);
  const auto generation = ++flush_requested_;
  const auto target = submitted_;
  wake_.notify_one();
  progress_.wait(lock, [&] { return (flush_done_ >= generation && completed_ >= target) || stopped_; });
}

void SyncThread::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] {
      return stopping_ || !pending_.empty() || flush_requested_ > flush_done_ ||
             background_requested_;
    });
    const bool forced = flush_requested_ > flush_done_ || stopping_;
    if (!pending_.empty() || forced) {
      if (policy_ == FsyncPolicy::group && group_delay_.count() > 0 && !forced) {
        wake_.wait_for(lock, group_delay_,
                       [&] { return stopping_ || flush_requested_ > flush_done_; });
      }
      // Take this pass's share: one callback under `always` (even when flushing: that
      // policy promises an fsync per append), everything otherwise.
      std::vector<Pending> batch;
      std::vector<SegmentPtr> to_sync;
      to_sync.swap(dirty_);
      if (policy_ == FsyncPolicy::always && !pending_.empty()) {
        batch.push_back(std::move(pending_.front()));
        pending_.pop_front();
        if (std::find(to_sync.begin(), to_sync.end(), batch.front().segment) == to_sync.end())
          to_sync.push_back(batch.front().segment);
      } else {
        batch.assign(std::make_move_iterator(pending_.begin()),
                     std::make_move_iterator(pending_.end()));
        pending_.clear();
      }
      // Every flush requested so far has its writes in `to_sync` (the dirty list was just
      // taken); its callbacks are tracked by count (completed_ vs. its target).
      const auto flush_generation = flush_requested_;
      const auto batch_size = batch.size();
      const bool do_sync = policy_ != FsyncPolicy::never;
      bool ok = !failed_;
      if (ok && do_sync) fsyncs_ += to_sync.size();
      lock.unlock();

      if (ok && do_sync) {
        for (const auto& segment : to_sync) {
          if (auto synced = segment->sync(); !synced) {
            spdlog::error("store: {}; unacknowledged messages are reported failed", synced.error());
            ok = false;
            break;
          }
        }
      }
      to_sync.clear();
      for (auto& p : batch) {
        if (!p.on_durable) continue;
        try {
          p.on_durable(ok);
        } catch (const std::exception& e) {
          spdlog::error("store: durability callback threw: {}", e.what());
        }
      }
      batch.clear();

      lock.lock();
      if (!ok) failed_ = true;
      completed_ += batch_size;
      flush_done_ = std::max(flush_done_, flush_generation);
      progress_.notify_all();
      if (stopping_ && pending_.empty() && flush_requested_ <= flush_done_) break;
    }
    // Between passes, so a steady stream of appends cannot starve it.
    if (background_requested_ && !stopping_) {
      background_requested_ = false;
      lock.unlock();
      background_work_();
      lock.lock();
      continue;
    }
    if (stopping_ && pending_.empty()) break;
  }
  stopped_ = true;
  progress_.notify_all();
}

}  // namespace outpost::store

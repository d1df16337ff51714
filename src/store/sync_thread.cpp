#include "sync_thread.h"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace outpost::store {

SyncThread::SyncThread(FsyncPolicy policy, std::chrono::microseconds group_delay,
                       std::function<void()> background_work, std::function<void()> on_lost_write)
    : policy_(policy),
      group_delay_(group_delay),
      background_work_(std::move(background_work)),
      on_lost_write_(std::move(on_lost_write)) {
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

void SyncThread::add(std::vector<SegmentPtr>& set, const SegmentPtr& segment) {
  if (std::find(set.begin(), set.end(), segment) == set.end()) set.push_back(segment);
}

void SyncThread::submit(const SegmentPtr& segment, std::uint64_t end,
                        std::function<void(bool)> on_durable, bool wake) {
  {
    std::lock_guard lock(mutex_);
    add(unwritten_, segment);
    pending_.push_back(Pending{segment, end, std::move(on_durable)});
    ++submitted_;
  }
  if (wake) wake_.notify_one();
}

void SyncThread::wake() { wake_.notify_one(); }

void SyncThread::note_write(const SegmentPtr& segment) {
  {
    std::lock_guard lock(mutex_);
    add(unwritten_, segment);
  }
  wake_.notify_one();
}

void SyncThread::request_background_work() {
  {
    std::lock_guard lock(mutex_);
    background_requested_ = true;
  }
  wake_.notify_one();
}

void SyncThread::request_background_work_later() {
  bool first = false;
  {
    std::lock_guard lock(mutex_);
    first = !background_later_;
    background_later_ = true;
  }
  // An idle thread must start its timer; once set, later requests need not wake it.
  if (first) wake_.notify_one();
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
  const auto has_work = [&] {
    return stopping_ || !pending_.empty() || !unwritten_.empty() || flush_requested_ > flush_done_ ||
           background_requested_;
  };
  for (;;) {
    if (background_later_) {
      if (!wake_.wait_for(lock, kLazyDelay, has_work)) background_requested_ = true;  // time's up
    } else {
      wake_.wait(lock, [&] { return has_work() || background_later_; });
      if (!has_work()) continue;  // only a lazy request: wait for it with a timer
    }
    const bool forced = flush_requested_ > flush_done_ || stopping_;
    if (!pending_.empty() || !unwritten_.empty() || forced) pass(lock, forced);
    // Between passes, so a steady stream of appends cannot starve it.
    if ((background_requested_ || background_later_) && !stopping_) {
      background_requested_ = false;
      background_later_ = false;
      lock.unlock();
      background_work_();
      lock.lock();
      continue;
    }
    if (stopping_ && pending_.empty() && unwritten_.empty() && flush_requested_ <= flush_done_) break;
  }
  stopped_ = true;
  progress_.notify_all();
}

void SyncThread::pass(std::unique_lock<std::mutex>& lock, bool forced) {
  // A pass that only writes (bytes buffered without a callback) leaves the fsync to the
  // next pass that reports to someone.
  const bool reporting = !pending_.empty() || forced;
  if (reporting && policy_ == FsyncPolicy::group && group_delay_.count() > 0 && !forced) {
    wake_.wait_for(lock, group_delay_, [&] { return stopping_ || flush_requested_ > flush_done_; });
  }
  // Take this pass's share: one callback under `always` (even when flushing: that policy
  // promises an fsync per append), everything otherwise. Every buffered byte is written
  // either way, so each callback's record is in this pass's writes or an earlier one's.
  std::vector<Pending> batch;
  if (reporting && policy_ == FsyncPolicy::always && !pending_.empty()) {
    batch.push_back(std::move(pending_.front()));
    pending_.pop_front();
  } else if (reporting) {
    batch.assign(std::make_move_iterator(pending_.begin()), std::make_move_iterator(pending_.end()));
    pending_.clear();
  }
  std::vector<SegmentPtr> to_write;
  to_write.swap(unwritten_);
  std::vector<SegmentPtr> to_sync;
  if (reporting) {
    to_sync.swap(unsynced_);
    for (const auto& segment : to_write) add(to_sync, segment);
    if (policy_ == FsyncPolicy::always)
      for (const auto& p : batch) add(to_sync, p.segment);
  } else {
    for (const auto& segment : to_write) add(unsynced_, segment);
  }
  // Every flush requested so far has its writes in `to_write` and `to_sync` (both lists
  // were just taken); its callbacks are tracked by count (completed_ vs. its target).
  const auto flush_generation = reporting ? flush_requested_ : flush_done_;
  const auto batch_size = batch.size();
  const bool do_sync = reporting && policy_ != FsyncPolicy::never;
  bool ok = !failed_;
  if (ok && do_sync) fsyncs_ += to_sync.size();
  lock.unlock();

  bool lost_write = false;
  for (const auto& segment : to_write) {
    if (auto written = segment->write_pending(); !written) {
      spdlog::error("store: {}; the messages that write carried are reported failed", written.error());
      lost_write = true;
    }
  }
  // Before the callbacks: what never reached the file leaves the queues first.
  if (lost_write && on_lost_write_) on_lost_write_();
  if (ok && do_sync) {
    for (const auto& segment : to_sync) {
      if (auto synced = segment->sync(); !synced) {
        spdlog::error("store: {}; unacknowledged messages are reported failed", synced.error());
        ok = false;
        break;
      }
    }
  }
  to_write.clear();
  to_sync.clear();
  for (auto& p : batch) {
    if (!p.on_durable) continue;
    try {
      p.on_durable(ok && !p.segment->lost(p.end));
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
}

}  // namespace outpost::store

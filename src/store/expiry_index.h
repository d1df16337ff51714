// The entries that have an expiry, in a min-heap keyed by expiry, so expire(now) costs
// O(k log n) for k expired entries whatever the queue lengths, and mixed TTLs in one queue
// cost nothing extra. Acked entries stay in the heap (a heap cannot remove from the
// middle) and are skipped when popped; once they outnumber the live ones the heap is
// rebuilt without them, which keeps its size within twice the live count.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "outpost/store/message_store.h"

namespace outpost::store {

struct ExpiryItem {
  std::int64_t expires_at_ms = 0;
  Sequence seq = 0;
  QueueId queue = 0;
};

class ExpiryIndex {
 public:
  void push(const ExpiryItem& item) {
    heap_.push_back(item);
    std::push_heap(heap_.begin(), heap_.end(), later);
  }

  // An entry that had an expiry was removed some other way (acked).
  void note_stale() { ++stale_; }

  // Pops every item due at `now_ms`, oldest first; `f(item)` returns whether the entry was
  // still live (false: it was stale, already acked).
  template <typename F>
  void pop_due(std::int64_t now_ms, F&& f) {
    while (!heap_.empty() && heap_.front().expires_at_ms <= now_ms) {
      std::pop_heap(heap_.begin(), heap_.end(), later);
      const ExpiryItem item = heap_.back();
      heap_.pop_back();
      if (!f(item) && stale_ > 0) --stale_;
    }
  }

  // Drops stale items once they are the majority; `is_live(item)` tells them apart.
  template <typename Live>
  void purge_if_mostly_stale(Live&& is_live) {
    if (stale_ < 1024 || stale_ * 2 < heap_.size()) return;
    std::erase_if(heap_, [&](const ExpiryItem& item) { return !is_live(item); });
    std::make_heap(heap_.begin(), heap_.end(), later);
    heap_.shrink_to_fit();
    stale_ = 0;
  }

  std::size_t size() const { return heap_.size(); }

 private:
  static bool later(const ExpiryItem& a, const ExpiryItem& b) {
    return a.expires_at_ms != b.expires_at_ms ? a.expires_at_ms > b.expires_at_ms : a.seq > b.seq;
  }
  std::vector<ExpiryItem> heap_;
  std::size_t stale_ = 0;
};

}  // namespace outpost::store

// A deque of entries sorted by sequence, where removal marks an entry dead in place
// (O(log n) to find, O(1) to remove) and dead entries are reclaimed from the front as they
// come, or all at once when they outnumber the live ones. Queues are consumed mostly from
// the front, so this stays compact without a node per entry (16-24 bytes an entry, not
// the ~64 of a std::map node): what the index costs in RSS on a small gateway.
//
// T needs: `Sequence seq`, `bool dead() const`, `void kill()`.
#pragma once
#include <algorithm>
#include <cstddef>
#include <deque>

#include "outpost/store/message_store.h"

namespace outpost::store {

template <typename T>
class SortedSeqDeque {
 public:
  using const_iterator = typename std::deque<T>::const_iterator;

  // Sequences must arrive in increasing order (the store hands them out that way).
  void push_back(const T& entry) {
    entries_.push_back(entry);
    ++live_;
  }

  // Replaces the content with `sorted` (recovery).
  void assign(std::deque<T> sorted) {
    entries_ = std::move(sorted);
    live_ = entries_.size();
  }

  T* find(Sequence seq) {
    auto it = lower(seq);
    return (it != entries_.end() && it->seq == seq && !it->dead()) ? &*it : nullptr;
  }
  const T* find(Sequence seq) const { return const_cast<SortedSeqDeque*>(this)->find(seq); }

  // Marks the entry dead; returns false if it was absent or already dead.
  bool erase(Sequence seq) {
    T* entry = find(seq);
    if (entry == nullptr) return false;
    entry->kill();
    --live_;
    reclaim();
    return true;
  }

  // First entry with seq > after (may be dead: callers skip those).
  const_iterator after(Sequence after) const {
    return std::upper_bound(entries_.begin(), entries_.end(), after,
                            [](Sequence s, const T& e) { return s < e.seq; });
  }
  const_iterator begin() const { return entries_.begin(); }
  const_iterator end() const { return entries_.end(); }

  std::size_t live() const { return live_; }
  std::size_t slots() const { return entries_.size(); }

 private:
  typename std::deque<T>::iterator lower(Sequence seq) {
    return std::lower_bound(entries_.begin(), entries_.end(), seq,
                            [](const T& e, Sequence s) { return e.seq < s; });
  }

  void reclaim() {
    while (!entries_.empty() && entries_.front().dead()) entries_.pop_front();
    while (!entries_.empty() && entries_.back().dead()) entries_.pop_back();
    const std::size_t dead = entries_.size() - live_;
    if (dead > 64 && dead > live_) {
      std::erase_if(entries_, [](const T& e) { return e.dead(); });
      if (entries_.empty()) std::deque<T>().swap(entries_);  // give the blocks back
    }
  }

  std::deque<T> entries_;
  std::size_t live_ = 0;
};

}  // namespace outpost::store

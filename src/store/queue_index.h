// One queue (an (endpoint, priority) pair in the hub): the sequences it still holds, in
// order, each with its expiry. Entries only reference messages; the message itself lives
// once in the log (and maybe in the cache), however many queues hold it.
#pragma once
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "sorted_seq_deque.h"

namespace outpost::store {

struct QueueEntry {
  static constexpr std::int64_t kRemoved = std::numeric_limits<std::int64_t>::min();
  Sequence seq = 0;
  std::int64_t expires_at_ms = 0;  // 0 = never

  bool dead() const { return expires_at_ms == kRemoved; }
  void kill() { expires_at_ms = kRemoved; }
  bool expired(std::int64_t now_ms) const { return expires_at_ms != 0 && expires_at_ms <= now_ms; }
};

class QueueIndex {
 public:
  QueueIndex(QueueId id, std::string name) : id_(id), name_(std::move(name)) {}

  QueueId id() const { return id_; }
  const std::string& name() const { return name_; }

  void push_back(Sequence seq, std::int64_t expires_at_ms) { entries_.push_back({seq, expires_at_ms}); }
  void assign(std::deque<QueueEntry> sorted) { entries_.assign(std::move(sorted)); }

  const QueueEntry* find(Sequence seq) const { return entries_.find(seq); }
  bool remove(Sequence seq) { return entries_.erase(seq); }

  // Up to `max` live, unexpired entries with seq > after, oldest first.
  std::vector<QueueEntry> read(Sequence after, std::size_t max, std::int64_t now_ms) const;

  std::uint64_t length() const { return entries_.live(); }

 private:
  QueueId id_;
  std::string name_;
  SortedSeqDeque<QueueEntry> entries_;
};

}  // namespace outpost::store

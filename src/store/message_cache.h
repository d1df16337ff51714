// Recently appended (or recently read) messages, so delivery rarely goes back to disk.
// Bounded by an estimate of the bytes it holds; the oldest sequences go first, which for a
// store-and-forward queue is what is least likely to be read again soon. Messages are
// shared_ptr<const Message>: one copy however many queues deliver it.
//
// Entries from pin_from() on are *pinned*: appended but not yet written, so the cache is
// the only place to read them from. They are kept whatever the capacity (even 0) and count
// towards it once unpinned.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>

#include "outpost/core/message.h"
#include "outpost/store/message_store.h"

namespace outpost::store {

struct CachedMessage {
  std::int64_t enqueued_at_ms = 0;
  std::shared_ptr<const Message> message;
  std::size_t cost = 0;
};

class MessageCache {
 public:
  explicit MessageCache(std::size_t capacity_bytes) : capacity_(capacity_bytes) {}

  void insert(Sequence seq, std::int64_t enqueued_at_ms, std::shared_ptr<const Message> message);
  // Pins every entry with a sequence >= `seq` (and unpins those below).
  void pin_from(Sequence seq);
  const CachedMessage* find(Sequence seq) const;
  void erase(Sequence seq);

  std::size_t bytes() const { return bytes_; }
  std::size_t count() const { return entries_.size(); }

  // What an entry is charged: payload plus container and allocation overhead.
  static std::size_t cost_of(const Message& message);

 private:
  void evict();

  std::map<Sequence, CachedMessage> entries_;
  std::size_t bytes_ = 0;
  Sequence pinned_from_ = UINT64_MAX;
  std::size_t capacity_;
};

}  // namespace outpost::store

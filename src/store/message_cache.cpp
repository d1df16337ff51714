#include "message_cache.h"

namespace outpost::store {

std::size_t MessageCache::cost_of(const Message& message) {
  constexpr std::size_t kEntryOverhead = 160;    // map node, control block, Message
  constexpr std::size_t kPropertyOverhead = 80;  // Property with two strings
  return kEntryOverhead + message.counted_size() +
         (message.system.size() + message.application.size()) * kPropertyOverhead;
}

void MessageCache::insert(Sequence seq, std::int64_t enqueued_at_ms,
                          std::shared_ptr<const Message> message) {
  const std::size_t cost = cost_of(*message);
  if (cost > capacity_ && seq < pinned_from_) return;
  const auto it = entries_.try_emplace(entries_.end(), seq);  // mostly the newest: O(1)
  if (it->second.message) bytes_ -= it->second.cost;  // already there: replaced
  it->second = CachedMessage{enqueued_at_ms, std::move(message), cost};
  bytes_ += cost;
  evict();
}

void MessageCache::pin_from(Sequence seq) {
  const bool unpinned_some = seq > pinned_from_;
  pinned_from_ = seq;
  if (unpinned_some) evict();
}

void MessageCache::evict() {
  while (bytes_ > capacity_ && !entries_.empty() && entries_.begin()->first < pinned_from_) {
    bytes_ -= entries_.begin()->second.cost;
    entries_.erase(entries_.begin());
  }
}

const CachedMessage* MessageCache::find(Sequence seq) const {
  const auto it = entries_.find(seq);
  return it == entries_.end() ? nullptr : &it->second;
}

void MessageCache::erase(Sequence seq) {
  const auto it = entries_.find(seq);
  if (it == entries_.end()) return;
  bytes_ -= it->second.cost;
  entries_.erase(it);
}

}  // namespace outpost::store

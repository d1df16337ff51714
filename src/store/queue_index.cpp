#include "queue_index.h"

namespace outpost::store {

std::vector<QueueEntry> QueueIndex::read(Sequence after, std::size_t max,
                                         std::int64_t now_ms) const {
  std::vector<QueueEntry> out;
  for (auto it = entries_.after(after); it != entries_.end() && out.size() < max; ++it) {
    if (it->dead() || it->expired(now_ms)) continue;
    out.push_back(*it);
  }
  return out;
}

}  // namespace outpost::store

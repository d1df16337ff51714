#include "event_feed.h"

namespace outpost::cloud {

std::uint64_t EventFeed::subscribe(Listener listener) {
  const auto id = next_id_++;
  listeners_.emplace(id, std::move(listener));
  return id;
}

void EventFeed::unsubscribe(std::uint64_t id) { listeners_.erase(id); }

void EventFeed::publish(const std::vector<TelemetryEvent>& events) {
  for (const auto& e : events) {
    if (e.seq > last_published_) last_published_ = e.seq;
    // A listener may unsubscribe (itself or another) while being called: iterate by key.
    for (auto it = listeners_.begin(); it != listeners_.end();) {
      const auto id = it->first;
      auto listener = it->second;
      listener(e);
      it = listeners_.upper_bound(id);
    }
  }
}

}  // namespace outpost::cloud

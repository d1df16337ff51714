// Live fan-out of telemetry events to readers (server-sent event streams): events are
// published here only after they are durable, in sequence order. Runs on the event
// loop's thread.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <vector>

#include "model.h"

namespace outpost::cloud {

class EventFeed {
 public:
  using Listener = std::function<void(const TelemetryEvent& event)>;
  std::uint64_t subscribe(Listener listener);
  void unsubscribe(std::uint64_t id);
  void publish(const std::vector<TelemetryEvent>& events);
  // The sequence number of the newest event published (0: none yet since start).
  std::int64_t last_published() const { return last_published_; }
  std::size_t listeners() const { return listeners_.size(); }

 private:
  std::map<std::uint64_t, Listener> listeners_;
  std::uint64_t next_id_ = 1;
  std::int64_t last_published_ = 0;
};

}  // namespace outpost::cloud

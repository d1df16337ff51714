// Reading stored telemetry (an Outpost extension; IoT Hub offers an Event Hubs endpoint):
//   GET /events?from=<ISO time|sequence|start|now>&deviceId=<d>&limit=<n>
//     -> {"events":[event...], "next": <sequence to ask for next>}
//   GET /events/stream?from=...&deviceId=...   (or /events with Accept: text/event-stream)
//     -> server-sent events: "id: <seq>\ndata: <event JSON>\n\n" per message, first the
//        stored ones from `from` (default: now), then live; ": heartbeat" comments every
//        few seconds so a dead client is noticed. Last-Event-ID resumes after that id.
// An event: {"sequenceNumber","enqueuedTime","deviceId","moduleId"?,"systemProperties":{...},
//            "applicationProperties":{...},"body": JSON | string | base64 (+"bodyEncoding")}
// Runs on the event loop's thread.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cloud_metrics.h"
#include "event_feed.h"
#include "outcome.h"
#include "cloud_database.h"
#include "outpost/net/event_loop.h"
#include "outpost/net/http_server.h"

namespace outpost::cloud {

nlohmann::json event_json(const TelemetryEvent& event);

// Where to start reading, from the request's from= / deviceId= / limit= / Last-Event-ID.
struct EventPosition {
  std::optional<std::int64_t> from_seq;
  std::optional<std::int64_t> from_ms;
  bool from_now = false;
  std::string device_id;
  std::size_t limit = 100;
};
Outcome<EventPosition> parse_event_position(const net::HttpRequest& request, bool stream);

class EventsApi {
 public:
  EventsApi(net::EventLoop& loop, TelemetryLog& store, EventFeed& feed, CloudMetrics& metrics,
            std::chrono::milliseconds heartbeat);
  ~EventsApi();

  net::HttpResponse page(const net::HttpRequest& request);
  // Starts serving a stream whose headers have gone out (text/event-stream).
  void stream(const EventPosition& position, std::shared_ptr<net::HttpStream> stream);
  void start();
  void stop();  // closes every stream
  std::size_t open_streams() const { return readers_.size(); }

 private:
  struct Reader {
    std::shared_ptr<net::HttpStream> stream;
    std::string device_id;
    std::int64_t next_seq = 1;
    std::optional<std::int64_t> from_ms;  // only for the first catch-up read
    bool live = false;
  };
  void catch_up(std::uint64_t id);
  void on_event(const TelemetryEvent& event);
  void heartbeat();
  void drop(std::uint64_t id);

  net::EventLoop& loop_;
  TelemetryLog& store_;
  EventFeed& feed_;
  CloudMetrics& metrics_;
  std::chrono::milliseconds heartbeat_interval_;
  std::map<std::uint64_t, Reader> readers_;
  std::uint64_t next_id_ = 1;
  std::uint64_t feed_id_ = 0;
  std::unique_ptr<net::Timer> heartbeat_timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace outpost::cloud

#include "events_api.h"

#include <charconv>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "service_api.h"
#include "time_text.h"
#include "outpost/core/encoding.h"
#include "outpost/core/json.h"

namespace outpost::cloud {

using nlohmann::json;

namespace {

constexpr std::size_t kCatchUpPage = 256;
constexpr std::size_t kMaxPage = 1000;

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t extra = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 4;
    if (extra == 4 || i + extra >= s.size()) return false;
    for (std::size_t k = 1; k <= extra; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += extra + 1;
  }
  return true;
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  std::int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

// System properties under IoT Hub's public names.
std::string public_name(std::string_view internal) {
  if (internal == sysprop::kCorrelationId) return "correlationId";
  return std::string(internal);
}

}  // namespace

json event_json(const TelemetryEvent& e) {
  json system = json::object();
  for (const auto& p : e.message.system) system[public_name(p.name)] = p.value ? json(*p.value) : json(nullptr);
  json application = json::object();
  for (const auto& p : e.message.application) application[p.name] = p.value ? json(*p.value) : json(nullptr);
  json out{{"sequenceNumber", e.seq}, {"enqueuedTime", format_iso8601_ms(e.enqueued_ms)}, {"deviceId", e.device_id}};
  if (!e.module_id.empty()) out["moduleId"] = e.module_id;
  out["systemProperties"] = std::move(system);
  out["applicationProperties"] = std::move(application);
  // Bodies are stored as sent; one too deep to embed safely is shown as text, like non-JSON.
  auto parsed = parse_json(e.message.body);
  if (!e.message.body.empty() && parsed) {
    out["body"] = std::move(*parsed);
  } else if (valid_utf8(e.message.body)) {
    out["body"] = e.message.body;
  } else {
    out["body"] = base64_encode(e.message.body);
    out["bodyEncoding"] = "base64";
  }
  return out;
}

Outcome<EventPosition> parse_event_position(const net::HttpRequest& request, bool stream) {
  EventPosition p;
  p.from_now = stream;
  auto from = request.query_param("from");
  if (const auto last = request.header("Last-Event-ID"); last && !last->empty()) {
    const auto id = parse_integer(*last);
    if (!id) return bad_request("Last-Event-ID must be an event's sequence number");
    from = std::to_string(*id + 1);
  }
  if (from && !from->empty()) {
    p.from_now = false;
    if (*from == "now") {
      p.from_now = true;
    } else if (*from == "start" || *from == "beginning") {
      p.from_seq = 0;
    } else if (const auto seq = parse_integer(*from)) {
      p.from_seq = *seq;
    } else if (const auto ms = parse_iso8601_ms(*from)) {
      p.from_ms = *ms;
    } else {
      return bad_request("from must be an ISO 8601 time (2024-01-02T03:04:05Z), a sequence number, 'start' or 'now'");
    }
  }
  p.device_id = request.query_param("deviceId").value_or("");
  if (const auto limit = request.query_param("limit")) {
    const auto n = parse_integer(*limit);
    if (!n || *n < 1 || *n > static_cast<std::int64_t>(kMaxPage))
      return bad_request(fmt::format("limit must be between 1 and {}", kMaxPage));
    p.limit = static_cast<std::size_t>(*n);
  }
  return p;
}

EventsApi::EventsApi(net::EventLoop& loop, TelemetryLog& store, EventFeed& feed, CloudMetrics& metrics,
                     std::chrono::milliseconds heartbeat)
    : loop_(loop), store_(store), feed_(feed), metrics_(metrics), heartbeat_interval_(heartbeat) {
  feed_id_ = feed_.subscribe([this](const TelemetryEvent& e) { on_event(e); });
}

EventsApi::~EventsApi() {
  *alive_ = false;
  feed_.unsubscribe(feed_id_);
}

void EventsApi::start() {
  heartbeat_timer_ = loop_.make_timer();
  heartbeat_timer_->start(heartbeat_interval_, [this] { heartbeat(); });
}

void EventsApi::stop() {
  if (heartbeat_timer_) heartbeat_timer_->cancel();
  auto readers = std::move(readers_);
  readers_.clear();
  for (auto& [id, r] : readers) r.stream->close();
  metrics_.event_streams().set(0);
}

net::HttpResponse EventsApi::page(const net::HttpRequest& request) {
  auto position = parse_event_position(request, false);
  if (!position) return error_response(position.error());
  EventQuery q;
  q.device_id = position->device_id;
  q.limit = position->limit;
  if (position->from_now) q.from_seq = store_.stats().last_seq + 1;
  else if (position->from_seq) q.from_seq = position->from_seq;
  else q.from_ms = position->from_ms;
  auto events = store_.read(q);
  if (!events) return error_response({500, "ServerError", events.error()});
  json list = json::array();
  std::int64_t next = q.from_seq.value_or(0);
  for (const auto& e : *events) {
    list.push_back(event_json(e));
    next = e.seq + 1;
  }
  if (events->empty() && !q.from_seq) next = store_.stats().last_seq + 1;
  return json_response(200, json{{"events", std::move(list)}, {"next", next}});
}

void EventsApi::stream(const EventPosition& position, std::shared_ptr<net::HttpStream> stream) {
  const auto id = next_id_++;
  Reader r;
  r.stream = stream;
  r.device_id = position.device_id;
  if (position.from_now) {
    r.next_seq = std::max(store_.stats().last_seq, feed_.last_published()) + 1;
  } else if (position.from_seq) {
    r.next_seq = std::max<std::int64_t>(*position.from_seq, 0);
  } else {
    r.next_seq = 0;
    r.from_ms = position.from_ms;
  }
  readers_.emplace(id, std::move(r));
  metrics_.event_streams().set(static_cast<double>(readers_.size()));
  stream->write(": connected to outpost-cloud events\n\n");
  stream->on_close([this, id, alive = std::weak_ptr<bool>(alive_)] {
    // on_close may run inside a write; drop the reader afterwards.
    loop_.post([this, id, alive] {
      if (alive.lock()) drop(id);
    });
  });
  catch_up(id);
}

void EventsApi::catch_up(std::uint64_t id) {
  auto it = readers_.find(id);
  if (it == readers_.end()) return;
  auto& r = it->second;
  if (!r.stream->open()) return drop(id);
  EventQuery q;
  q.from_seq = r.next_seq;
  q.from_ms = r.from_ms;
  q.device_id = r.device_id;
  q.limit = kCatchUpPage;
  auto events = store_.read(q);
  if (!events) {
    spdlog::error("cloud: event stream: {}", events.error());
    r.stream->write(fmt::format("event: error\ndata: {}\n\n", json(events.error()).dump()));
    r.stream->close();
    return drop(id);
  }
  r.from_ms.reset();
  for (const auto& e : *events) {
    r.stream->write(fmt::format("id: {}\ndata: {}\n\n", e.seq, event_json(e).dump()));
    r.next_seq = e.seq + 1;
  }
  if (events->size() < kCatchUpPage) {
    // Everything durable so far has been read; the feed brings the rest, in order.
    r.live = true;
    return;
  }
  // More to read: continue after other work on the loop has had its turn.
  loop_.post([this, id, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.lock()) catch_up(id);
  });
}

void EventsApi::on_event(const TelemetryEvent& e) {
  for (auto& [id, r] : readers_) {
    if (!r.live || e.seq < r.next_seq) continue;
    r.next_seq = e.seq + 1;
    if (!r.device_id.empty() && r.device_id != e.device_id) continue;
    r.stream->write(fmt::format("id: {}\ndata: {}\n\n", e.seq, event_json(e).dump()));
  }
}

void EventsApi::heartbeat() {
  std::vector<std::uint64_t> gone;
  for (auto& [id, r] : readers_) {
    if (!r.stream->open()) gone.push_back(id);
    else r.stream->write(": heartbeat\n\n");
  }
  for (const auto id : gone) drop(id);
  heartbeat_timer_->start(heartbeat_interval_, [this] { heartbeat(); });
}

void EventsApi::drop(std::uint64_t id) {
  if (readers_.erase(id) > 0) metrics_.event_streams().set(static_cast<double>(readers_.size()));
}

}  // namespace outpost::cloud

#include "upstream_link.h"

#include "plain_topic.h"

#include <charconv>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "outpost/core/clock.h"
#include "outpost/core/json.h"
#include "outpost/core/property_bag.h"
#include "outpost/core/sas_token.h"
#include "outpost/core/twin.h"
#include "outpost/iothub/topics.h"

namespace outpost::hub {
namespace {

// An identity's session on the one AMQP connection, as the link drives any channel.
class AmqpUpstreamChannel final : public UpstreamChannel {
 public:
  explicit AmqpUpstreamChannel(std::unique_ptr<amqp::CloudChannel> channel) : channel_(std::move(channel)) {}
  void start() override { channel_->start(); }
  bool connected() const override { return channel_->connected(); }
  const iothub::Identity& identity() const override { return channel_->identity(); }
  void publish(const std::string& topic, const std::string& payload, int qos, std::function<void(bool)> done) override {
    channel_->publish(topic, payload, qos, std::move(done));
  }
  void subscribe(const std::string& filter, int) override { channel_->subscribe(filter); }

 private:
  std::unique_ptr<amqp::CloudChannel> channel_;
};

}  // namespace

namespace {

constexpr auto kTokenLifetime = std::chrono::hours(6);
constexpr auto kHousekeepingInterval = std::chrono::milliseconds(250);

std::optional<iothub::Identity> sender_of(const Message& message) {
  auto device = message.system.get(sysprop::kConnectionDeviceId);
  if (!device) return std::nullopt;
  return iothub::Identity{*device, message.system.get(sysprop::kConnectionModuleId)};
}

std::string telemetry_topic(const iothub::Identity& sender, const std::string& bag) {
  if (sender.module_id) return fmt::format("devices/{}/modules/{}/messages/events/{}", sender.device_id, *sender.module_id, bag);
  return fmt::format("devices/{}/messages/events/{}", sender.device_id, bag);
}

int status_of(std::string_view topic, std::string_view prefix) {
  const auto rest = topic.substr(prefix.size());
  int status = 0;
  std::from_chars(rest.data(), rest.data() + rest.size(), status);
  return status;
}

// Merges patch `p` into `into` keeping nulls: a null must reach the cloud to delete a key.
void merge_keep_nulls(nlohmann::json& into, const nlohmann::json& p) {
  for (const auto& [k, v] : p.items()) {
    if (v.is_object() && into.contains(k) && into[k].is_object()) merge_keep_nulls(into[k], v);
    else into[k] = v;
  }
}

}  // namespace

UpstreamLink::UpstreamLink(net::EventLoop& loop, UpstreamSettings settings, store::MessageStore& store,
                           EndpointRegistry& endpoints, HubMetrics& metrics, UpstreamHooks hooks)
    : loop_(loop),
      settings_(std::move(settings)),
      store_(store),
      endpoints_(endpoints),
      metrics_(metrics),
      hooks_(std::move(hooks)),
      edgehub_identity_{settings_.edge_device_id, std::string("$edgeHub")},
      housekeeping_(loop.make_timer()),
      reported_timer_(loop.make_timer()) {}

UpstreamLink::~UpstreamLink() = default;

std::string UpstreamLink::token() {
  // Every connection, whoever it acts for, authenticates as the edge hub itself: one token,
  // kept until a quarter of its life is left, so a reconnect storm signs once (the workload
  // API, when it signs, is a blocking call on the loop).
  const auto now = SystemClock::instance().unix_seconds();
  const auto lifetime = std::chrono::duration_cast<std::chrono::seconds>(kTokenLifetime).count();
  if (!cached_token_.empty() && cached_token_expiry_ - now > lifetime / 4) return cached_token_;
  auto token = build_sas_token(device_resource_uri(settings_.endpoint.hostname, edgehub_identity_.device_id,
                                                   edgehub_identity_.module_id),
                               settings_.sign, now + lifetime);
  if (!token) {
    spdlog::warn("upstream: no token for $edgeHub: {}", token.error());
    return {};
  }
  cached_token_ = *token;
  cached_token_expiry_ = now + lifetime;
  return cached_token_;
}

void UpstreamLink::start() {
  attach(edgehub_identity_);
  housekeeping_->start(kHousekeepingInterval, [this] { housekeeping(); });
}

bool UpstreamLink::online() const { return online_; }

UpstreamLink::Link& UpstreamLink::link(const iothub::Identity& identity) {
  auto [it, inserted] = links_.try_emplace(identity.id());
  if (inserted) {
    std::optional<std::string> chain;
    // On behalf of: "{target};{edge}". The edge hub's own connection needs no chain.
    if (identity != edgehub_identity_) chain = identity.id() + ";" + settings_.edge_device_id;
    UpstreamConnection::Callbacks callbacks;
    callbacks.on_connected = [this, identity] { on_connected(identity); };
    callbacks.on_lost = [this, identity](const std::string&) {
      auto& l = links_.at(identity.id());
      l.twin_synced = false;
      for (auto& [rid, pending] : l.requests) pending.deadline = std::chrono::steady_clock::now();
      if (identity == edgehub_identity_ && online_) {
        online_ = false;
        metrics_.registry().counter("edgehub_offline_count_total", "Times the upstream link went offline").inc();
        spdlog::warn("upstream: offline; messages for the cloud are kept on disk");
        if (hooks_.on_state) hooks_.on_state(false);
      }
    };
    callbacks.on_message = [this, identity](const std::string& topic, std::string payload, int qos, bool retained) {
      if (identity == edgehub_identity_ && is_plain_topic(topic)) {
        if (hooks_.on_plain) hooks_.on_plain(topic, std::move(payload), qos, retained);
        return;
      }
      on_message(identity, topic, std::move(payload));
    };
    it->second.connection = make_channel(identity, chain, std::move(callbacks));
    it->second.reported = nlohmann::json::object();
    auto& c = *it->second.connection;
    c.subscribe("$iothub/twin/res/#", 0);
    c.subscribe("$iothub/twin/PATCH/properties/desired/#", 0);
    c.subscribe("$iothub/methods/POST/#", 0);
    if (!identity.module_id) c.subscribe(fmt::format("devices/{}/messages/devicebound/#", identity.device_id), 1);
    c.start();
  }
  return it->second;
}

void UpstreamLink::attach(const iothub::Identity& identity) { link(identity).attached = true; }

std::unique_ptr<UpstreamChannel> UpstreamLink::make_channel(const iothub::Identity& identity,
                                                            const std::optional<std::string>& chain,
                                                            UpstreamConnection::Callbacks callbacks) {
  if (!settings_.amqp)
    return std::make_unique<UpstreamConnection>(loop_, settings_.endpoint, identity, chain, [this] { return token(); },
                                                std::move(callbacks));
  if (!amqp_) amqp_ = std::make_unique<amqp::CloudClient>(loop_, *settings_.amqp);
  amqp::CloudChannel::Callbacks on;
  on.on_connected = std::move(callbacks.on_connected);
  on.on_lost = std::move(callbacks.on_lost);
  on.on_message = [deliver = std::move(callbacks.on_message)](const std::string& topic, std::string payload) {
    deliver(topic, std::move(payload), 1, false);
  };
  return std::make_unique<AmqpUpstreamChannel>(amqp_->channel(identity, chain, [this] { return token(); }, std::move(on)));
}

UpstreamConnection* UpstreamLink::own_connection() {
  if (!settings_.amqp) {
    const auto it = links_.find(edgehub_identity_.id());
    return it == links_.end() ? nullptr : static_cast<UpstreamConnection*>(it->second.connection.get());
  }
  if (!bridge_connection_) {
    UpstreamConnection::Callbacks callbacks;
    callbacks.on_message = [this](const std::string& topic, std::string payload, int qos, bool retained) {
      if (is_plain_topic(topic) && hooks_.on_plain) hooks_.on_plain(topic, std::move(payload), qos, retained);
    };
    bridge_connection_ = std::make_unique<UpstreamConnection>(loop_, settings_.endpoint, edgehub_identity_, std::nullopt,
                                                              [this] { return token(); }, std::move(callbacks));
    bridge_connection_->start();
  }
  return bridge_connection_.get();
}

void UpstreamLink::detach(const iothub::Identity& identity) {
  const auto it = links_.find(identity.id());
  if (it == links_.end() || identity == edgehub_identity_) return;
  it->second.attached = false;
  it->second.idle_since = std::chrono::steady_clock::now();
}

void UpstreamLink::on_connected(const iothub::Identity& identity) {
  if (identity == edgehub_identity_ && !online_) {
    online_ = true;
    spdlog::info("upstream: online");
    if (hooks_.on_state) hooks_.on_state(true);
  }
  sync_twin(identity);
  flush_reported();
  pump();
}

void UpstreamLink::request(Link& link, const std::string& topic_prefix, const std::string& payload,
                           std::function<void(int, const std::string&)> done) {
  const auto rid = fmt::format("{:x}", next_rid_++);
  link.requests[rid] = Pending{std::chrono::steady_clock::now() + settings_.request_timeout, std::move(done)};
  link.connection->publish(topic_prefix + "?$rid=" + rid, payload, 0, nullptr);
}

void UpstreamLink::sync_twin(const iothub::Identity& identity) {
  auto& l = link(identity);
  request(l, "$iothub/twin/GET/", " ", [this, identity](int status, const std::string& body) {
    if (status != 200) {
      spdlog::warn("upstream: twin of '{}' not fetched (status {})", identity.id(), status);
      return;
    }
    auto parsed = parse_json(body);
    if (!parsed || !parsed->is_object()) {
      spdlog::warn("upstream: the cloud sent '{}' a twin that is not a JSON object{}", identity.id(),
                   parsed ? "" : " (" + parsed.error() + ")");
      return;
    }
    const auto& twin = *parsed;
    links_.at(identity.id()).twin_synced = true;
    if (hooks_.on_twin) hooks_.on_twin(identity, twin);
  });
}

void UpstreamLink::report(const iothub::Identity& identity, const nlohmann::json& patch) {
  auto& l = link(identity);
  merge_keep_nulls(l.reported, patch);  // later patches win key by key
  reported_timer_->start(settings_.reported_sync_interval, [this] { flush_reported(); });
}

void UpstreamLink::flush_reported() {
  for (auto& [id, l] : links_) {
    if (l.reported.empty() || l.reporting || !l.connection->connected()) continue;
    auto patch = std::move(l.reported);
    l.reported = nlohmann::json::object();
    l.reporting = true;
    const auto identity = l.connection->identity();
    request(l, "$iothub/twin/PATCH/properties/reported/", patch.dump(),
            [this, identity, patch](int status, const std::string& body) mutable {
              auto& link = links_.at(identity.id());
              link.reporting = false;
              if (status >= 200 && status < 300) {
                metrics_.reported_properties(identity.id()).inc();
                return;
              }
              if (status >= 400 && status < 500) {
                spdlog::warn("upstream: the cloud refused reported properties of '{}': {} {}", identity.id(), status, body);
                return;
              }
              // Not delivered: put it back under anything newer and try again.
              auto newer = std::move(link.reported);
              link.reported = std::move(patch);
              merge_keep_nulls(link.reported, newer);
              reported_timer_->start(settings_.reported_sync_interval, [this] { flush_reported(); });
            });
  }
}

void UpstreamLink::housekeeping() {
  expire_requests();
  close_idle_links();
  housekeeping_->start(kHousekeepingInterval, [this] { housekeeping(); });
}

void UpstreamLink::close_idle_links() {
  const auto now = std::chrono::steady_clock::now();
  for (auto it = links_.begin(); it != links_.end();) {
    const auto& l = it->second;
    const bool busy = l.attached || l.in_flight > 0 || !l.requests.empty() || l.reporting || !l.reported.empty() ||
                      blocked_on_ == it->first || l.connection->identity() == edgehub_identity_;
    if (busy) {
      ++it;
      continue;
    }
    if (now - l.idle_since < settings_.idle_timeout) {
      ++it;
      continue;
    }
    spdlog::debug("upstream: closing the idle cloud connection of '{}'", it->first);
    it = links_.erase(it);  // disconnects: the cloud sees the client leave
  }
}

void UpstreamLink::expire_requests() {
  const auto now = std::chrono::steady_clock::now();
  for (auto& [id, l] : links_) {
    for (auto it = l.requests.begin(); it != l.requests.end();) {
      if (it->second.deadline > now) {
        ++it;
        continue;
      }
      auto done = std::move(it->second.done);
      it = l.requests.erase(it);
      done(504, "");
    }
  }
}

void UpstreamLink::on_message(const iothub::Identity& identity, const std::string& topic, std::string payload) {
  auto& l = link(identity);
  if (topic.rfind("$iothub/twin/res/", 0) == 0) {
    const auto rid = iothub::query_parameter(topic, "$rid");
    if (!rid) return;
    const auto it = l.requests.find(*rid);
    if (it == l.requests.end()) return;
    auto done = std::move(it->second.done);
    l.requests.erase(it);
    done(status_of(topic, "$iothub/twin/res/"), payload);
    return;
  }
  if (topic.rfind("$iothub/twin/PATCH/properties/desired/", 0) == 0) {
    auto parsed = parse_json(payload);
    if (!parsed || !parsed->is_object()) {
      spdlog::warn("upstream: the cloud sent '{}' a desired patch that is not a JSON object{}", identity.id(),
                   parsed ? "" : " (" + parsed.error() + ")");
      return;
    }
    const auto& patch = *parsed;
    std::int64_t version = integer_field(patch, "$version", 0);
    if (const auto v = iothub::query_parameter(topic, "$version")) std::from_chars(v->data(), v->data() + v->size(), version);
    if (hooks_.on_desired) hooks_.on_desired(identity, patch, version);
    return;
  }
  if (topic.rfind("$iothub/methods/POST/", 0) == 0) {
    const auto rest = topic.substr(std::string_view("$iothub/methods/POST/").size());
    const auto method = rest.substr(0, rest.find_first_of("/?"));
    const auto rid = iothub::query_parameter(topic, "$rid");
    if (rid && hooks_.on_method) hooks_.on_method(identity, method, *rid, payload);
    return;
  }
  const auto c2d_prefix = fmt::format("devices/{}/messages/devicebound/", identity.device_id);
  if (topic.rfind(c2d_prefix, 0) == 0) {
    Message message;
    if (!decode_property_bag(std::string_view(topic).substr(c2d_prefix.size()), message)) return;
    message.body = std::move(payload);
    if (hooks_.on_c2d) hooks_.on_c2d(identity, std::move(message));
  }
}

void UpstreamLink::answer_method(const iothub::Identity& identity, const std::string& rid, int status,
                                 const std::string& payload) {
  link(identity).connection->publish(fmt::format("$iothub/methods/res/{}/?$rid={}", status, rid), payload, 0, nullptr);
}

void UpstreamLink::wake() { pump(); }

void UpstreamLink::pump() {
  if (pumping_) return;  // a completion inside publish() must not re-enter
  // Waiting for one sender's connection: re-reading the queues on every new message would
  // cost a store read per message while offline. on_connected() pumps again.
  if (blocked_on_) {
    const auto it = links_.find(*blocked_on_);
    if (it != links_.end() && !it->second.connection->connected()) return;
    blocked_on_.reset();
  }
  pumping_ = true;
  const auto* upstream = endpoints_.find("iothub");
  if (upstream != nullptr) {
    // Highest priority first; a lower priority moves only when the higher ones are drained.
    for (const auto& q : upstream->queues) {
      bool blocked = false;
      while (in_flight_.size() < settings_.window && !blocked) {
        auto& cursor = cursor_[q.queue];
        const auto batch = store_.read(q.queue, cursor, settings_.window - in_flight_.size());
        if (batch.empty()) break;
        for (const auto& entry : batch) {
          const std::pair key{q.queue, entry.seq};
          if (in_flight_.count(key)) {
            cursor = entry.seq;
            continue;
          }
          const auto sender = sender_of(*entry.message);
          if (!sender) {
            spdlog::error("upstream: a queued message has no sender; dropping it");
            metrics_.dropped("invalid", "", "").inc();
            store_.ack(q.queue, entry.seq);
            cursor = entry.seq;
            continue;
          }
          auto& l = link(*sender);
          if (!l.connection->connected()) {
            blocked = true;  // oldest first: wait for this sender's connection
            blocked_on_ = sender->id();
            break;
          }
          cursor = entry.seq;
          in_flight_[key] = true;
          const auto bag = encode_property_bag(*entry.message, {sysprop::kConnectionDeviceId, sysprop::kConnectionModuleId});
          auto& sent = sent_counter(*sender, *entry.message, q.priority);
          ++l.in_flight;
          l.connection->publish(telemetry_topic(*sender, bag), entry.message->body, 1,
                                [this, done = InFlight{q.queue, entry.seq, &sent, sender->id()}](bool ok) {
                                  delivered(done, ok);
                                });
        }
      }
      if (blocked || in_flight_.size() >= settings_.window || store_.queue_length(q.queue) > 0) break;
    }
  }
  pumping_ = false;
}

metrics::Counter& UpstreamLink::sent_counter(const iothub::Identity& sender, const Message& message,
                                             std::uint32_t priority) {
  const auto output = message.system.find(sysprop::kOutputName);
  const std::string from_output = output && output->value ? *output->value : "";
  auto& slot = sent_counters_[sender.id() + '\x1f' + from_output + '\x1f' + std::to_string(priority)];
  if (!slot) slot = &metrics_.sent(sender.id(), "upstream", from_output, "", priority);
  return *slot;
}

void UpstreamLink::delivered(const InFlight& done, bool ok) {
  in_flight_.erase({done.queue, done.seq});
  if (const auto it = links_.find(done.sender_id); it != links_.end() && it->second.in_flight > 0) {
    --it->second.in_flight;
    it->second.idle_since = std::chrono::steady_clock::now();
  }
  if (ok) {
    store_.ack(done.queue, done.seq);
    done.sent->inc();
  } else {
    cursor_[done.queue] = 0;  // resend from the head of the queue once connected again
  }
  pump();
}

}  // namespace outpost::hub

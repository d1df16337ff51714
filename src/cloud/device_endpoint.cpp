// DeviceEndpoint: connections, sessions, subscriptions, cloud-to-device delivery and the
// reactions to registry and twin changes. Publishes from clients are in
// device_endpoint_publish.cpp.
#include "device_endpoint.h"

#include <spdlog/spdlog.h>

#include "ids.h"
#include "outpost/core/property_bag.h"
#include "outpost/iothub/subscription_rules.h"
#include "outpost/iothub/telemetry_rules.h"

namespace outpost::cloud {

using iothub::SubscriptionKind;

DeviceEndpoint::DeviceEndpoint(net::EventLoop& loop, DeviceEndpointSettings settings, CloudDatabase& storage,
                               Registry& registry, TwinService& twins, iothub::MethodDispatcher& methods, C2dQueue& c2d,
                               TelemetryLog& telemetry, EventFeed& feed, CloudMetrics& metrics, const Clock& clock)
    : loop_(loop),
      settings_(std::move(settings)),
      storage_(storage),
      registry_(registry),
      twins_(twins),
      methods_(methods),
      c2d_(c2d),
      telemetry_(telemetry),
      feed_(feed),
      metrics_(metrics),
      clock_(clock) {}

DeviceEndpoint::~DeviceEndpoint() { *alive_ = false; }

void DeviceEndpoint::start() {
  purge_timer_ = loop_.make_timer();
  purge_timer_->start(settings_.c2d_purge_interval, [this] { purge_c2d(); });
}

void DeviceEndpoint::purge_c2d() {
  try {
    c2d_.purge();
  } catch (const DatabaseFailure& e) {
    spdlog::error("cloud: cloud-to-device purge failed: {}", e.what());
  }
  purge_timer_->start(settings_.c2d_purge_interval, [this] { purge_c2d(); });
}

IdentityLookup DeviceEndpoint::lookup() const {
  IdentityLookup l;
  l.device = [this](const std::string& id) { return storage_.get_device(id); };
  l.module = [this](const std::string& d, const std::string& m) { return storage_.get_module(d, m); };
  l.policy = [this](const std::string& name) { return storage_.get_policy(name); };
  l.parent_of = [this](const DeviceRecord& d) { return registry_.parent_of(d); };
  return l;
}

mqtt::ConnectionPtr DeviceEndpoint::connection_of(const iothub::Identity& identity) const {
  const auto it = connected_.find(identity.id());
  return it == connected_.end() ? nullptr : it->second;
}

bool DeviceEndpoint::connected(const iothub::Identity& identity) const { return connection_of(identity) != nullptr; }

DeviceEndpoint::Activity DeviceEndpoint::activity(const iothub::Identity& identity) const {
  const auto it = activity_.find(identity.id());
  return it == activity_.end() ? Activity{} : it->second;
}

mqtt::ConnectionPtr DeviceEndpoint::listening_for_methods(const iothub::Identity& identity) const {
  auto c = connection_of(identity);
  if (!c || !static_cast<Client*>(c->user_state.get())->subscribed(SubscriptionKind::methods)) return nullptr;
  return c;
}

std::optional<std::string> DeviceEndpoint::acting_edge(const iothub::Identity& identity) const {
  auto c = connection_of(identity);
  if (!c) return std::nullopt;
  return static_cast<Client*>(c->user_state.get())->acting_edge;
}

mqtt::ConnectDecision DeviceEndpoint::on_connect(const mqtt::ConnectionPtr& c, const mqtt::ConnectPacket& p) {
  DeviceAuthDecision auth;
  try {
    auth = authenticate_device(p, settings_.hostname, lookup(), clock_.unix_seconds(),
                               {c->client_certificate(), &settings_.device_ca_pem});
  } catch (const DatabaseFailure& e) {
    spdlog::error("cloud: cannot authenticate '{}': {}", p.client_id, e.what());
    return {mqtt::ConnectReturnCode::server_unavailable, false};
  }
  if (!auth.ok()) {
    spdlog::warn("cloud: refusing '{}' from {}: {}", p.client_id, c->remote_address(), auth.reason);
    metrics_.connects("refused").inc();
    return {auth.code, false};
  }
  const auto id = auth.identity.id();
  if (auto old = connection_of(auth.identity)) {
    spdlog::info("cloud: '{}' connected again from {}; closing its previous connection", id, c->remote_address());
    old->close(mqtt::CloseReason::taken_over, "a new connection of the same identity");
  }
  auto state = std::make_shared<Client>();
  state->identity = auth.identity;
  state->id = id;
  state->clean_session = p.clean_session;
  state->acting_edge = auth.acting_edge;
  state->will = p.will;
  bool session_present = false;
  if (p.clean_session) {
    storage_.erase_session(id);
  } else if (const auto bits = storage_.load_session(id)) {
    state->subscriptions = *bits;
    session_present = true;
  }
  c->user_state = state;
  connected_[id] = c;
  activity_[id].state_updated_ms = clock_.unix_millis();
  metrics_.connects("accepted").inc();
  metrics_.connected_clients().set(static_cast<double>(connected_.size()));
  spdlog::info("cloud: '{}' connected from {} over {}{}{}", id, c->remote_address(), c->transport_name(),
               auth.acting_edge ? " on behalf of edge '" + *auth.acting_edge + "'" : std::string(),
               session_present ? " (session resumed)" : "");
  if (session_present) {
    // After the CONNACK: nothing may be published before it.
    loop_.post([this, weak = std::weak_ptr<mqtt::Connection>(c), alive = std::weak_ptr<bool>(alive_)] {
      auto conn = weak.lock();
      if (!alive.lock() || !conn || !conn->open()) return;
      auto& s = client(conn);
      if (s.subscribed(SubscriptionKind::methods)) methods_.target_ready(s.identity, conn);
      if (s.subscribed(SubscriptionKind::c2d)) pump_c2d(conn, s);
    });
  }
  return {mqtt::ConnectReturnCode::accepted, session_present};
}

std::vector<std::uint8_t> DeviceEndpoint::on_subscribe(const mqtt::ConnectionPtr& c,
                                                       const std::vector<mqtt::Subscription>& subs) {
  auto& s = client(c);
  auto decision = iothub::authorize_subscriptions(s.identity, subs);
  for (const auto& refused : decision.refused) spdlog::warn("cloud: refused subscription of '{}' to {}", s.id, refused);
  s.subscriptions |= decision.granted;
  persist_session(s);
  const bool methods = decision.granted_kind(SubscriptionKind::methods);
  const bool c2d = decision.granted_kind(SubscriptionKind::c2d);
  if (methods || c2d) {
    // After the SUBACK, so the client knows the subscription before messages arrive.
    loop_.post([this, weak = std::weak_ptr<mqtt::Connection>(c), alive = std::weak_ptr<bool>(alive_), methods, c2d] {
      auto conn = weak.lock();
      if (!alive.lock() || !conn || !conn->open()) return;
      auto& st = client(conn);
      if (methods) methods_.target_ready(st.identity, conn);
      if (c2d) pump_c2d(conn, st);
    });
  }
  return std::move(decision.return_codes);
}

void DeviceEndpoint::on_unsubscribe(const mqtt::ConnectionPtr& c, const std::vector<std::string>& filters) {
  auto& s = client(c);
  for (const auto& f : filters) s.subscriptions &= ~static_cast<std::uint32_t>(iothub::parse_subscription_filter(f).kind);
  persist_session(s);
}

void DeviceEndpoint::persist_session(const Client& s) {
  if (s.clean_session) return;
  try {
    storage_.save_session(s.id, s.subscriptions);
  } catch (const DatabaseFailure& e) {
    spdlog::error("cloud: cannot persist the session of '{}': {}", s.id, e.what());
  }
}

void DeviceEndpoint::pump_c2d(const mqtt::ConnectionPtr& c, Client& s) {
  if (!s.subscribed(SubscriptionKind::c2d) || s.identity.is_module() || !c->open()) return;
  if (s.c2d_in_flight.size() >= settings_.c2d_window) return;
  try {
    for (auto& record : c2d_.next(s.identity.device_id, s.c2d_cursor, settings_.c2d_window - s.c2d_in_flight.size())) {
      s.c2d_cursor = record.seq;
      s.c2d_in_flight.insert(record.seq);
      c2d_.sent(record);
      c->publish(iothub::c2d_topic(s.identity.device_id, encode_property_bag(record.message)), record.message.body, 1,
                 static_cast<std::uint64_t>(record.seq), record.delivery_count > 0);
    }
  } catch (const DatabaseFailure& e) {
    spdlog::error("cloud: cannot read the cloud-to-device queue of '{}': {}", s.id, e.what());
  }
}

void DeviceEndpoint::on_delivered(const mqtt::ConnectionPtr& c, std::uint64_t tag) {
  auto& s = client(c);
  const auto seq = static_cast<std::int64_t>(tag);
  if (s.c2d_in_flight.erase(seq) == 0) return;
  try {
    c2d_.completed(seq);
  } catch (const DatabaseFailure& e) {
    spdlog::error("cloud: cannot complete cloud-to-device message {}: {}", seq, e.what());
  }
  pump_c2d(c, s);
}

void DeviceEndpoint::c2d_enqueued(const std::string& device_id) {
  if (auto c = connection_of({device_id, std::nullopt})) pump_c2d(c, client(c));
}

void DeviceEndpoint::on_close(const mqtt::ConnectionPtr& c, mqtt::CloseReason reason) {
  auto s = std::static_pointer_cast<Client>(c->user_state);
  if (!s) return;
  const auto it = connected_.find(s->id);
  if (it != connected_.end() && it->second == c) {
    connected_.erase(it);
    activity_[s->id].state_updated_ms = clock_.unix_millis();
  }
  metrics_.connected_clients().set(static_cast<double>(connected_.size()));
  methods_.connection_closed(c->id());
  spdlog::info("cloud: '{}' disconnected: {}", s->id, mqtt::close_reason_name(reason));
  if (s->clean_session && reason != mqtt::CloseReason::taken_over) {
    try {
      storage_.erase_session(s->id);
    } catch (const DatabaseFailure&) {
    }
  }
  // IoT Hub sends the will as telemetry when the connection ends without a DISCONNECT.
  if (mqtt::ended_in_error(reason) && s->will) {
    if (auto will = iothub::will_message(*s->will, s->identity, iothub::kIotHubWillMarker)) {
      spdlog::info("cloud: storing the will of '{}'", s->id);
      store({}, std::move(*will), s->identity, 0, 0);
    } else {
      spdlog::warn("cloud: ignoring the will of '{}': {}", s->id, will.error());
    }
  }
}

void DeviceEndpoint::twin_changed(const TwinChange& change) {
  if (!change.desired_patch) return;
  auto c = connection_of(change.identity);
  if (!c || !client(c).subscribed(SubscriptionKind::twin_desired)) return;
  c->publish(iothub::twin_desired_topic(change.desired_patch->value("$version", std::int64_t{0})),
             change.desired_patch->dump(), 0);
}

void DeviceEndpoint::identity_changed(const std::string& device_id, const std::optional<std::string>& module_id,
                                      IdentityChange change) {
  if (change == IdentityChange::created) return;
  std::optional<DeviceRecord> device;
  if (change == IdentityChange::updated && !module_id) {
    device = storage_.get_device(device_id);
    if (device && device->enabled) return;
  }
  if (change == IdentityChange::updated && module_id) return;
  // Deleted or disabled: its connections (and, for a device, its modules') end now.
  std::vector<mqtt::ConnectionPtr> doomed;
  for (const auto& [id, conn] : connected_) {
    const auto& s = client(conn);
    const bool acts_for_it = !module_id && s.acting_edge == device_id;
    const bool is_it = s.identity.device_id == device_id && (!module_id || s.identity.module_id == module_id);
    if (is_it || acts_for_it) doomed.push_back(conn);
  }
  for (auto& conn : doomed) {
    spdlog::info("cloud: closing '{}': its identity was {}", client(conn).id,
                 change == IdentityChange::deleted ? "deleted" : "disabled");
    conn->close(mqtt::CloseReason::server_closed, "identity deleted or disabled");
  }
}

}  // namespace outpost::cloud

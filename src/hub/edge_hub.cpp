// EdgeHub: connections, sessions and subscriptions. Publishing is in edge_hub_publish.cpp,
// the operations behind the management API in edge_hub_operations.cpp.
#include "edge_hub.h"

#include <spdlog/spdlog.h>

#include "plain_session_delivery.h"
#include "plain_topic.h"
#include "outpost/iothub/subscription_rules.h"
#include "outpost/iothub/telemetry_rules.h"
#include "outpost/iothub/username.h"

namespace outpost::hub {

using iothub::SubscriptionKind;

EdgeHub::EdgeHub(net::EventLoop& loop, EdgeHubSettings settings, store::MessageStore& store, kv::KvDatabase& kv,
                 IdentityRegistry identities, HubMetrics& metrics, const Clock& clock)
    : loop_(loop),
      settings_(std::move(settings)),
      store_(store),
      sessions_(kv),
      twins_(kv),
      twins_kv_(kv),
      identities_(identities),
      file_identities_(std::move(identities)),
      metrics_(metrics),
      clock_(clock),
      endpoints_(store, settings_.device_id),
      methods_(loop),
      routes_(std::make_shared<routing::RouteTable>()),
      plain_(settings_.mqtt_broker),
      plain_session_table_(kv),
      plain_expiry_timers_(loop),
      plain_will_timers_(loop),
      durable_acks_(loop, [this](DurableAck& ack) {
        if (awaiting_durable_ > 0) --awaiting_durable_;
        auto c = ack.sender.lock();
        if (!c) return;
        if (ack.ok) {
          c->complete_publish(ack.ticket);
        } else {
          metrics_.unacknowledged("storage_failure").inc();
          c->close(mqtt::CloseReason::server_closed, "the store failed to persist a message");
        }
      }, net::InboxWake::by_owner),
      durable_ack_poll_(loop.make_timer()) {
  edgehub_identity_ = {settings_.device_id, std::string("$edgeHub")};
  auth_settings_.accepted_hosts = {settings_.hostname};
  if (!settings_.gateway_hostname.empty()) auth_settings_.accepted_hosts.push_back(settings_.gateway_hostname);
  auth_settings_.edge_device_id = settings_.device_id;
  auth_settings_.device_ca_pem = settings_.device_ca_pem;
  endpoints_.recover();
  restore_plain_sessions();
  restore_retained();
  for (const auto& config : settings_.mqtt_broker.bridges) add_bridge(config);
  refresh_policy();  // hub.yaml's, until desired properties bring theirs
  store_.on_space_available([this, &loop = loop_, alive = std::weak_ptr<bool>(alive_)] {
    loop.post([this, alive] {
      if (alive.lock()) retry_parked();
    });
  });
  metrics_.registry().on_collect([this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.lock()) refresh_gauges();
  });
}

EdgeHub::~EdgeHub() { *alive_ = false; }

void EdgeHub::apply_config(routing::EdgeHubConfig config) {
  desired_policy_ = std::move(config.mqtt_authorizations);
  refresh_policy();
  apply_twin_bridges(config.mqtt_bridges);
  routes_ = std::make_shared<routing::RouteTable>(std::move(config.route_table));
  store_and_forward_ = config.store_and_forward;
  for (const auto& endpoint : routes_->endpoints()) endpoints_.endpoint(endpoint);
  for (const auto& note : config.notes) spdlog::info("hub: $edgeHub config: {}", note);
  spdlog::info("hub: {} routes active; store-and-forward TTL {}", routes_->size(),
               store_and_forward_.never_expires() ? std::string("infinite")
                                                  : std::to_string(store_and_forward_.ttl_secs) + " s");
  // Endpoints named by the new routes may have waiting messages and connected modules.
  for (const auto* info : endpoints_.all()) wake_endpoint(*info);
}

void EdgeHub::replace_identities(IdentityRegistry identities) {
  file_identities_ = std::move(identities);
  identities_ = scope_identities_;
  identities_.merge_from(file_identities_);
}

void EdgeHub::enable_scope_cache(ScopeCacheSettings settings) {
  scope_ = std::make_unique<ScopeCache>(loop_, twins_kv_, std::move(settings), clock_, [this](const IdentityRegistry& scope) {
    scope_identities_ = scope;
    identities_ = scope_identities_;
    identities_.merge_from(file_identities_);
  });
}

void EdgeHub::enable_upstream(UpstreamSettings settings) {
  UpstreamHooks hooks;
  hooks.on_state = [this](bool online) {
    spdlog::info("hub: cloud link {}", online ? "up" : "down; store-and-forward");
    if (online) resume_upstream_bridges();
  };
  hooks.on_plain = [this](const std::string& topic, std::string payload, int qos, bool retained) {
    on_upstream_plain(topic, std::move(payload), qos, retained);
  };
  hooks.on_twin = [this](const iothub::Identity& id, const nlohmann::json& twin) { on_upstream_twin(id, twin); };
  hooks.on_desired = [this](const iothub::Identity& id, const nlohmann::json& patch, std::int64_t version) {
    on_upstream_desired(id, patch, version);
  };
  hooks.on_method = [this](const iothub::Identity& id, const std::string& method, const std::string& rid,
                           const std::string& payload) { on_upstream_method(id, method, rid, payload); };
  hooks.on_c2d = [this](const iothub::Identity& id, Message message) {
    if (send_c2d(id.device_id, std::move(message)) == C2dRelay::not_connected)
      spdlog::info("hub: C2D for '{}' not relayed: it is not connected or not subscribed to C2D", id.id());
  };
  upstream_ = std::make_unique<UpstreamLink>(loop_, std::move(settings), store_, endpoints_, metrics_, std::move(hooks));
  // The last $edgeHub desired properties the cloud sent, for an offline start.
  const auto& cached = twins_.get(edgehub_identity_);
  if (cached.desired_version() > 1 && !cached.desired().empty()) {
    spdlog::info("hub: using the cached $edgeHub desired properties (version {}) until the cloud answers",
                 cached.desired_version());
    apply_edgehub_desired(cached.desired(), cached.desired_version());
  }
  // Clients is cleared at startup, as edgeHub does.
  upstream_->report(edgehub_identity_, nlohmann::json{{"schemaVersion", "1.0"}, {"clients", nullptr},
                                                      {"version", {{"version", "outpost"}, {"build", ""}, {"commit", ""}}}});
}

void EdgeHub::start() {
  if (scope_) scope_->start();
  if (upstream_) upstream_->start();  // before the bridges: $upstream ones use its connection
  started_ = true;
  for (auto& bridge : bridges_) start_bridge(*bridge);
  sweep_timer_ = loop_.make_timer();
  sweep_timer_->start(settings_.ttl_sweep_interval, [this] { sweep_expired(); });
}

ClientState& EdgeHub::state(const mqtt::ConnectionPtr& c) {
  return *static_cast<ClientState*>(c->user_state.get());
}

mqtt::ConnectionPtr EdgeHub::connection_of(const iothub::Identity& identity) const {
  const auto it = connected_.find(identity.id());
  return it == connected_.end() ? nullptr : it->second;
}

mqtt::ConnectDecision EdgeHub::on_connect(const mqtt::ConnectionPtr& c, const mqtt::ConnectPacket& p) {
  if (plain_clients_configured()) {
    // Not IoT Hub shaped: a plain MQTT client (user name and password, or anonymous).
    std::string iothub_problem = "no user name";
    if (p.username) {
      auto username = iothub::parse_mqtt_username(*p.username);
      iothub_problem = username ? "" : username.error();
    }
    if (!iothub_problem.empty()) return connect_plain(c, p, iothub_problem);
  }
  const auto auth = authenticate(p, identities_, auth_settings_, clock_.unix_seconds(), c->client_certificate());
  if (!auth.ok()) {
    spdlog::warn("hub: refusing '{}' from {}: {}", p.client_id, c->remote_address(), auth.reason);
    metrics_.connect_failed(p.client_id, "auth").inc();
    // An identity the cache does not know yet may have been added in the cloud.
    if (scope_ && auth.reason.rfind("unknown identity", 0) == 0) scope_->refresh_soon();
    return {auth.code, false};
  }
  const auto id = auth.identity.id();
  auto client = std::make_shared<ClientState>();
  client->identity = auth.identity;
  client->id = id;
  client->label = id;
  if (!admit_by_policy(c, *client)) return {mqtt::ConnectReturnCode::not_authorized, false};
  if (auto old = connection_of(auth.identity)) {
    spdlog::info("hub: '{}' connected again from {}; closing its previous connection", id, c->remote_address());
    old->close(mqtt::CloseReason::taken_over, "a new connection of the same identity");
  }
  client->clean_session = p.clean_session;
  client->session_expiry = session_expiry_of(p);
  client->will = p.will;
  client->received_default = &metrics_.received(id, "");
  bool plain_session_present = false;  // never refused for an identity: it makes no session here
  open_plain_session(c, *client, p.clean_session, plain_session_present);
  bool session_present = false;
  if (p.clean_session) {
    sessions_.erase(id);
  } else if (const auto bits = sessions_.load(id)) {
    client->subscriptions = *bits;
    session_present = true;
  }
  c->user_state = client;
  connected_[id] = c;
  metrics_.connect_success(id).inc();
  spdlog::info("hub: '{}' connected from {} over {}{}", id, c->remote_address(), c->transport_name(),
               session_present ? " (session resumed)" : "");
  if (upstream_) {
    upstream_->attach(client->identity);
    report_client(*client, true);
  }
  if (client->subscriptions != 0) after_subscribe(c, client->subscriptions);  // a resumed session
  return {mqtt::ConnectReturnCode::accepted, session_present};
}

std::vector<std::uint8_t> EdgeHub::on_subscribe(const mqtt::ConnectionPtr& c,
                                                const std::vector<mqtt::Subscription>& subs) {
  auto& client = state(c);
  // Plain filters go to the plain broker; IoT Hub's keep IoT Hub's rules. SUBACK keeps the order.
  std::vector<std::uint8_t> codes(subs.size(), mqtt::kSubackFailure);
  const auto iothub_at = subscribe_plain(c, client, subs, codes);
  if (iothub_at.empty()) return codes;
  std::vector<mqtt::Subscription> iothub_subs;
  for (const auto i : iothub_at) iothub_subs.push_back(subs[i]);
  auto decision = iothub::authorize_subscriptions(client.identity, iothub_subs);
  for (const auto& refused : decision.refused) spdlog::warn("hub: refused subscription of '{}' to {}", client.id, refused);
  for (std::size_t j = 0; j < iothub_at.size(); ++j) codes[iothub_at[j]] = decision.return_codes[j];
  client.subscriptions |= decision.granted;
  persist_session(client);
  after_subscribe(c, decision.granted);
  return codes;
}

void EdgeHub::after_subscribe(const mqtt::ConnectionPtr& c, std::uint32_t kinds) {
  const auto has = [kinds](SubscriptionKind kind) { return (kinds & static_cast<std::uint32_t>(kind)) != 0; };
  if (!has(SubscriptionKind::module_inputs) && !has(SubscriptionKind::methods)) return;
  // After the CONNACK or SUBACK: nothing may be published before it.
  loop_.post([this, weak = std::weak_ptr<mqtt::Connection>(c), alive = std::weak_ptr<bool>(alive_), has] {
    auto conn = weak.lock();
    if (!alive.lock() || !conn || !conn->open()) return;
    if (has(SubscriptionKind::methods)) methods_.target_ready(state(conn).identity, conn);
    if (has(SubscriptionKind::module_inputs)) start_delivery(conn, state(conn));
  });
}

void EdgeHub::on_unsubscribe(const mqtt::ConnectionPtr& c, const std::vector<std::string>& filters) {
  auto& client = state(c);
  for (const auto& f : filters) {
    if (is_plain_topic(f)) {
      if (auto* session = plain_.find(client.id); session && plain_.unsubscribe(*session, f))
        save_plain_session(*session);
      continue;
    }
    if (client.plain) continue;
    const auto filter = iothub::parse_subscription_filter(f);
    client.subscriptions &= ~static_cast<std::uint32_t>(filter.kind);
    if (filter.kind == SubscriptionKind::module_inputs && client.delivery) {
      // Destroy after this call stack unwinds: delivery may be on it.
      loop_.post([d = std::shared_ptr<ModuleDelivery>(std::move(client.delivery))] {});
    }
  }
  persist_session(client);
}

void EdgeHub::persist_session(const ClientState& client) {
  if (!client.clean_session) sessions_.save(client.id, client.subscriptions);
}

void EdgeHub::start_delivery(const mqtt::ConnectionPtr& c, ClientState& client) {
  if (!client.identity.module_id || !client.subscribed(SubscriptionKind::module_inputs)) return;
  if (!client.delivery)
    client.delivery =
        std::make_unique<ModuleDelivery>(store_, metrics_, c, client.identity, settings_.delivery_window, clock_);
  for (auto* endpoint : endpoints_.for_module(*client.identity.module_id)) client.delivery->pump(*endpoint);
}

void EdgeHub::wake_endpoint(const EndpointInfo& endpoint) {
  if (endpoint.endpoint.kind == routing::Endpoint::Kind::upstream) {
    if (upstream_) upstream_->wake();
    return;
  }
  const auto conn = connection_of({settings_.device_id, endpoint.endpoint.module});
  if (!conn) return;
  auto& client = state(conn);
  if (client.delivery) client.delivery->pump(endpoint);
}

void EdgeHub::on_delivered(const mqtt::ConnectionPtr& c, std::uint64_t tag) {
  auto& client = state(c);
  // Tag 0: a live plain delivery, which nothing waits on.
  if (tag == 0) return;
  if ((tag & kPlainDeliveryTag) != 0) {
    if (auto* session = plain_.find(client.id); session && session->delivery) session->delivery->delivered(tag);
    return;
  }
  if (client.delivery) client.delivery->delivered(tag);
}

void EdgeHub::on_close(const mqtt::ConnectionPtr& c, mqtt::CloseReason reason) {
  auto client = std::static_pointer_cast<ClientState>(c->user_state);
  if (!client) return;
  if (client->plain) return close_plain(c, *client, reason);
  detach_plain_session(c, *client);
  const auto it = connected_.find(client->id);
  if (it != connected_.end() && it->second == c) connected_.erase(it);
  metrics_.disconnect(client->id).inc();
  release_parked_of(c.get());
  methods_.connection_closed(c->id());  // its calls in flight end now (404), not at their timeout
  if (upstream_ && reason != mqtt::CloseReason::taken_over) {
    report_client(*client, false);
    upstream_->detach(client->identity);  // the cloud sees it leave within idle_timeout
  }
  spdlog::info("hub: '{}' disconnected: {}", client->id, mqtt::close_reason_name(reason));
  if (client->clean_session && reason != mqtt::CloseReason::taken_over) sessions_.erase(client->id);
  publish_plain_will(*client, reason);
  // A will is published only when the connection ends in error (edgeHub's rule).
  if (mqtt::ended_in_error(reason) && client->will && !is_plain_topic(client->will->topic)) {
    if (auto will = iothub::will_message(*client->will, client->identity, iothub::kEdgeHubWillMarker)) {
      stamp(*will, client->identity);
      spdlog::info("hub: publishing the will of '{}'", client->id);
      route_and_store({}, std::move(*will), 0, 0, client->id, "");
    } else {
      spdlog::warn("hub: ignoring the will of '{}': {}", client->id, will.error());
    }
  }
  // The delivery may be on the call stack (a failed write inside a publish): free it later.
  if (client->delivery) loop_.post([d = std::shared_ptr<ModuleDelivery>(std::move(client->delivery))] {});
}

void EdgeHub::sweep_expired() {
  expire_messages();
  sweep_timer_->start(settings_.ttl_sweep_interval, [this] { sweep_expired(); });
}

std::uint64_t EdgeHub::expire_messages() {
  const auto expired = store_.expire(clock_.unix_millis());
  std::uint64_t total = 0;
  for (const auto& e : expired) {
    total += e.count;
    metrics_.dropped("ttl_expiry", "", "").inc(static_cast<double>(e.count));
  }
  if (total > 0) spdlog::info("hub: {} messages expired (TTL) and were dropped", total);
  return total;
}

void EdgeHub::refresh_gauges() {
  metrics_.connected_clients().set(static_cast<double>(connected_.size() + plain_connected_.size()));
  metrics_.store_bytes().set(static_cast<double>(store_.disk_bytes()));
  for (const auto* info : endpoints_.all())
    for (const auto& q : info->queues)
      metrics_.queue_length(info->id, q.priority).set(static_cast<double>(store_.queue_length(q.queue)));
}

}  // namespace outpost::hub

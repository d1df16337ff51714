// The edge hub: IoT Hub semantics on top of the MQTT server. It authenticates clients,
// keeps their sessions, turns telemetry into messages, routes them into the durable store
// and delivers them to module inputs; it answers twin requests, relays direct methods and
// C2D messages, and counts everything in edgeHub's metrics.
//
// Threading: every method runs on the EventLoop's thread (the store's durability
// callbacks are posted there).
#pragma once
#include <deque>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "authenticator.h"
#include "client_timers.h"
#include "client_state.h"
#include "durable_acks.h"
#include "endpoint_registry.h"
#include "hub_metrics.h"
#include "identity_registry.h"
#include "mqtt_bridge.h"
#include "mqtt_broker_config.h"
#include "plain_broker.h"
#include "plain_session_table.h"
#include "scope_cache.h"
#include "session_table.h"
#include "twin_service.h"
#include "upstream_link.h"
#include "outpost/core/clock.h"
#include "outpost/iothub_methods/method_dispatcher.h"
#include "outpost/kv/kv_database.h"
#include "outpost/mqtt/server.h"
#include "outpost/net/event_loop.h"
#include "outpost/routing/edgehub_config.h"
#include "outpost/store/message_store.h"

namespace outpost::hub {

struct EdgeHubSettings {
  std::string hostname;
  std::string device_id;
  std::string gateway_hostname;
  std::size_t delivery_window = 100;
  std::chrono::milliseconds ttl_sweep_interval{1000};
  // Publishes held un-acknowledged while the store is full, all senders together; each
  // sender holds at most one (its reading pauses). Past this, a sender is disconnected.
  std::size_t max_held_messages = 1000;
  MqttBrokerConfig mqtt_broker;  // plain MQTT clients and topics (edge_hub_plain.cpp)
  std::string device_ca_pem;     // CAs of X.509 certificateAuthority leaf devices (PEM)
};

struct HubStatus {
  std::size_t connected_clients = 0;
  std::vector<std::string> clients;
  std::uint64_t store_bytes = 0;
  std::vector<store::QueueStats> queues;
  std::string upstream;  // "standalone", "online" or "offline"
};

class EdgeHub final : public mqtt::Handler {
 public:
  EdgeHub(net::EventLoop& loop, EdgeHubSettings settings, store::MessageStore& store, kv::KvDatabase& kv,
          IdentityRegistry identities, HubMetrics& metrics, const Clock& clock = SystemClock::instance());
  ~EdgeHub() override;

  // Routes and store-and-forward settings from the $edgeHub desired properties.
  void apply_config(routing::EdgeHubConfig config);
  void replace_identities(IdentityRegistry identities);
  // Connects to the cloud: $upstream drains there, twins sync, methods and C2D come down,
  // and the $edgeHub twin's desired properties (routes) come from the cloud. Before start().
  void enable_upstream(UpstreamSettings settings);
  // Authenticates from the cloud's device scope too (cached, encrypted, for offline use).
  void enable_scope_cache(ScopeCacheSettings settings);
  bool upstream_online() const { return upstream_ && upstream_->online(); }
  void start();  // TTL sweeps; call once the loop runs or is about to
  // Drops the messages whose TTL has passed by the Clock and counts them (ttl_expiry);
  // returns how many. The sweep timer runs it every ttl_sweep_interval; tests call it
  // after advancing a ManualClock instead of waiting for the timer.
  std::uint64_t expire_messages();

  // mqtt::Handler
  mqtt::ConnectDecision on_connect(const mqtt::ConnectionPtr& c, const mqtt::ConnectPacket& p) override;
  void on_publish(const mqtt::ConnectionPtr& c, mqtt::PublishPacket&& p, mqtt::PublishTicket t) override;
  std::vector<std::uint8_t> on_subscribe(const mqtt::ConnectionPtr& c,
                                         const std::vector<mqtt::Subscription>& subs) override;
  void on_unsubscribe(const mqtt::ConnectionPtr& c, const std::vector<std::string>& filters) override;
  void on_delivered(const mqtt::ConnectionPtr& c, std::uint64_t tag) override;
  void on_close(const mqtt::ConnectionPtr& c, mqtt::CloseReason reason) override;

  // Operations for the management API.
  nlohmann::json twin(const iothub::Identity& identity);
  Result<std::int64_t> update_desired(const iothub::Identity& identity, const nlohmann::json& desired, bool replace);
  void invoke_method(const iothub::Identity& target, iothub::MethodRequest request,
                     iothub::MethodDispatcher::Callback done);
  // Relays a cloud-to-device message to a connected leaf device, live: nothing is stored, so
  // a message whose $.exp has passed is dropped (logged, counted as ttl_expiry from $c2d).
  enum class C2dRelay { relayed, not_connected, expired };
  C2dRelay send_c2d(const std::string& device_id, Message message);
  HubStatus status() const;
  // Whether `token` is a valid SAS token of `identity` (a module calling the HTTP API).
  bool verify_token(const iothub::Identity& identity, const std::string& token) const;
  // Whether the hub knows `identity`: its identities file, the cloud's device scope, and its
  // own $edgeHub and $edgeAgent.
  bool knows(const iothub::Identity& identity) const;
  const std::string& device_id() const { return settings_.device_id; }
  // Acknowledges now what the store has made durable, rather than at the next poll
  // (kDurableAckPoll); for callers that just flushed the store.
  void acknowledge_durable() { durable_acks_.drain(); }

 private:
  ClientState& state(const mqtt::ConnectionPtr& c);
  mqtt::ConnectionPtr connection_of(const iothub::Identity& identity) const;
  void ingest_telemetry(const mqtt::ConnectionPtr& c, ClientState& client, const iothub::TelemetryTopic& topic,
                        mqtt::PublishPacket&& packet, mqtt::PublishTicket ticket);
  // Sets the system properties the hub owns: sender ids, edgeMessageId, enqueuedTime, origin.
  void stamp(Message& message, const iothub::Identity& sender) const;
  metrics::Counter& received_counter(ClientState& client, const std::optional<std::string>& output);
  // Routes, stores and wakes delivery; on a full store parks the publish (back-pressure).
  void route_and_store(const std::weak_ptr<mqtt::Connection>& sender, Message&& message, std::uint8_t qos,
                       mqtt::PublishTicket ticket, const std::string& from, const std::string& from_output,
                       bool count_unrouted = true);
  // edgeHub routes every reported-properties update as a /twinChangeNotifications message.
  void route_twin_change(const ClientState& client, const nlohmann::json& patch);
  // Who to wake once a message is in the store: module endpoints and plain MQTT sessions.
  struct Wakes {
    std::vector<const EndpointInfo*> endpoints;
    std::vector<std::uint64_t> plain_sessions;  // PlainSession ids
    bool retained = false;  // a retained plain message (or its clearing): retained_stored() follows
    std::vector<std::size_t> bridges;  // indexes into bridges_
  };
  // The endpoint queues (with TTLs) of what matches_ holds, and their wake-ups.
  void add_matched_endpoints(std::vector<store::QueueTarget>& targets, Wakes& wakes);
  // Appends, or on a full store parks the publish un-acknowledged (back-pressure).
  void store_or_park(const std::weak_ptr<mqtt::Connection>& sender, std::shared_ptr<const Message> message,
                     std::vector<store::QueueTarget> targets, Wakes wakes, std::uint8_t qos, mqtt::PublishTicket ticket,
                     const std::string& from, const std::string& from_output);
  bool append(const std::weak_ptr<mqtt::Connection>& sender, const std::shared_ptr<const Message>& message,
              const std::vector<store::QueueTarget>& targets, const Wakes& wakes, mqtt::PublishTicket ticket);
  void retry_parked();
  void handle_twin_get(const mqtt::ConnectionPtr& c, ClientState& client, const std::string& rid);
  void handle_reported_patch(const mqtt::ConnectionPtr& c, ClientState& client, const std::string& rid,
                             const std::string& body);
  void start_delivery(const mqtt::ConnectionPtr& c, ClientState& client);
  // Once subscribed to `kinds` (SubscriptionKind bits): deliveries start, waiting method calls go out.
  void after_subscribe(const mqtt::ConnectionPtr& c, std::uint32_t kinds);
  void wake_endpoint(const EndpointInfo& endpoint);
  void sweep_expired();
  void refresh_gauges();
  void persist_session(const ClientState& client);
  void push_desired(const iothub::Identity& identity, const nlohmann::json& body);
  void on_upstream_twin(const iothub::Identity& identity, const nlohmann::json& twin);
  void on_upstream_desired(const iothub::Identity& identity, const nlohmann::json& patch, std::int64_t version);
  void on_upstream_method(const iothub::Identity& identity, const std::string& method, const std::string& rid,
                          const std::string& payload);
  void apply_edgehub_desired(const nlohmann::json& desired, std::int64_t version);
  void report_client(const ClientState& client, bool connected);
  // Plain MQTT topics and clients (edge_hub_plain.cpp).
  bool plain_clients_configured() const;
  mqtt::ConnectDecision connect_plain(const mqtt::ConnectionPtr& c, const mqtt::ConnectPacket& p,
                                      const std::string& iothub_problem);
  void publish_plain(const mqtt::ConnectionPtr& c, ClientState& client, mqtt::PublishPacket&& p,
                     mqtt::PublishTicket ticket);
  // A plain client publishing on an IoT Hub topic: acknowledged, dropped, counted and logged.
  void refuse_iothub_publish(const mqtt::ConnectionPtr& c, const ClientState& client, const std::string& topic,
                             mqtt::PublishTicket ticket);
  // Fills `codes` for the plain filters (and IoT Hub filters of plain clients); returns the
  // indexes left for IoT Hub's rules.
  std::vector<std::size_t> subscribe_plain(const mqtt::ConnectionPtr& c, const ClientState& client,
                                           const std::vector<mqtt::Subscription>& subs, std::vector<std::uint8_t>& codes);
  // A publish on a plain topic to every session it reaches: live to connected clean sessions
  // (and QoS 0 to any connected one), through the store to persistent sessions at QoS 1/2, the
  // PUBACK (`ticket`) once that is durable. `from`: the sender's metrics label.
  // Bridges an out setting takes it to get it through the store too, but not `from_bridge`, the
  // bridge it came in from (a `both` setting must not echo it back).
  struct PlainPublish {
    std::string_view topic;
    std::string_view payload;
    std::uint8_t qos = 0;
    bool retain = false;
    std::shared_ptr<const PlainProperties> properties;  // MQTT 5's to pass on; nullptr: none
    std::uint64_t publisher = 0;  // the publisher's plain session (No Local), 0: none
  };
  void deliver_plain(const std::weak_ptr<mqtt::Connection>& sender, const std::string& from, const PlainPublish& p,
                     mqtt::PublishTicket ticket, const MqttBridge* from_bridge = nullptr);
  // Sends one live delivery: with the properties an MQTT 5 receiver gets (its subscription
  // identifiers among them).
  void send_plain(const mqtt::ConnectionPtr& c, const PlainSession& session, std::string_view topic,
                  std::string_view payload, std::uint8_t qos, bool retain, const PlainProperties* properties,
                  std::int64_t now_ms, bool own_publish = false);
  // Bridges (edge_hub_bridges.cpp): made from hub.yaml and the twin; $upstream ones run over
  // the upstream link's own connection.
  void add_bridge(BridgeConfig config);
  void start_bridge(MqttBridge& bridge);
  // The twin's mqttBroker.bridges (nullopt: none) replace the ones it gave before; queues of
  // bridges it no longer has are emptied (counted).
  void apply_twin_bridges(const std::optional<std::vector<routing::BridgeSpec>>& specs);
  void on_upstream_plain(const std::string& topic, std::string payload, int qos, bool retained);
  void resume_upstream_bridges();
  // Persistent plain sessions (edge_hub_plain_sessions.cpp).
  void restore_plain_sessions();
  // At CONNECT: resumes, discards or starts the client's plain session. False when a
  // persistent session was asked for and cannot be kept (at max_persistent_sessions).
  bool open_plain_session(const mqtt::ConnectionPtr& c, const ClientState& client, bool clean_session,
                          bool& session_present);
  // The session a subscription goes to, created if needed; nullptr (logged) if it cannot be.
  PlainSession* plain_session_for(const mqtt::ConnectionPtr& c, const ClientState& client);
  bool make_persistent(PlainSession& session);
  void attach_plain_session(const mqtt::ConnectionPtr& c, PlainSession& session);
  void detach_plain_session(const mqtt::ConnectionPtr& c, const ClientState& client);
  // Ends a session: its subscriptions go and, if persistent, its queued messages (counted).
  void end_plain_session(PlainSession& session, std::string_view why);
  void save_plain_session(const PlainSession& session);
  // Removes the session's filters the client's grants no longer allow (logged, counted).
  bool drop_disallowed_filters(PlainSession& session, const ClientState& client);
  std::uint64_t drain_queue(store::QueueId queue);
  // MQTT 5 session expiry and will delay (edge_hub_plain_expiry.cpp).
  static std::uint32_t session_expiry_of(const mqtt::ConnectPacket& p);
  // Its client left: the session ends now (expiry 0), at its expiry (timed), or never.
  void leave_persistent_session(PlainSession& session, std::uint32_t expiry);
  void arm_plain_session_expiry(const PlainSession& session);
  void expire_plain_session(const std::string& client_id);
  // The client is back: its session does not expire, its delayed will is not sent.
  void cancel_plain_timers(const std::string& client_id);
  // A will with a Will Delay Interval whose session outlives the connection: held, sent later.
  bool hold_plain_will(const ClientState& client);
  void send_plain_will(const std::string& client_id, const std::string& label, const mqtt::Will& will);
  // Durable retained messages (edge_hub_retained.cpp).
  void restore_retained();
  // Whether a retained publish on `topic` (an empty payload: a clearing) goes to the store.
  bool retained_needs_storing(std::string_view topic, bool clearing) const;
  // The retained record of a topic is in the store at `seq`: the one it replaces is acknowledged.
  void retained_stored(const Message& message, store::Sequence seq);
  store::QueueId retained_queue();
  // MQTT's rule for wills on plain topics: sent unless the client said DISCONNECT (MQTT 5: with
  // reason 0); after the Will Delay Interval if its session outlives the connection.
  void publish_plain_will(const ClientState& client, mqtt::CloseReason reason);
  void close_plain(const mqtt::ConnectionPtr& c, const ClientState& client, mqtt::CloseReason reason);
  // Authorization policies on plain topics (edge_hub_policy.cpp). Each refusal is logged and counted.
  mqtt_policy::Requester requester_of(const ClientState& client) const;
  // Resolves the policy for a client that just authenticated; false when it may not connect.
  bool admit_by_policy(const mqtt::ConnectionPtr& c, ClientState& client);
  bool may_publish_plain(ClientState& client, const std::string& topic);
  bool may_subscribe_plain(const ClientState& client, const std::string& filter);
  bool may_publish_will(const ClientState& client);
  // hub.yaml's and the desired properties' policies as one; connected clients follow it at once
  // (closed if they may no longer connect, subscriptions it no longer allows removed).
  void refresh_policy();

  net::EventLoop& loop_;
  EdgeHubSettings settings_;
  AuthSettings auth_settings_;
  store::MessageStore& store_;
  SessionTable sessions_;
  TwinService twins_;
  kv::KvDatabase& twins_kv_;  // state.db: also holds the device-scope cache
  IdentityRegistry identities_;  // what authentication uses: scope, then file entries on top
  IdentityRegistry file_identities_;
  IdentityRegistry scope_identities_;
  std::unique_ptr<ScopeCache> scope_;
  HubMetrics& metrics_;
  const Clock& clock_;
  EndpointRegistry endpoints_;
  iothub::MethodDispatcher methods_;

  std::shared_ptr<const routing::RouteTable> routes_;
  routing::StoreAndForwardConfig store_and_forward_;
  std::vector<routing::RouteMatch> matches_;  // reused per message

  std::unordered_map<std::string, mqtt::ConnectionPtr> connected_;  // by identity id
  PlainBroker plain_;
  PlainSessionTable plain_session_table_;
  std::set<std::uint32_t> plain_slots_;  // store queue slots of persistent plain sessions
  ClientTimers plain_expiry_timers_;  // absent sessions with a Session Expiry Interval, by client id
  ClientTimers plain_will_timers_;    // wills waiting out their Will Delay Interval, by client id
  // hub.yaml's mqtt_broker.bridges, in order, then the twin's mqttBroker.bridges: bridge n's
  // queue is "mqtt-bridge-{n}".
  std::vector<std::unique_ptr<MqttBridge>> bridges_;
  std::optional<std::vector<routing::BridgeSpec>> twin_bridges_;  // as last applied
  bool started_ = false;
  std::optional<store::QueueId> retained_queue_;  // "mqtt-retained", made at the first retained message
  std::unordered_map<std::string, store::Sequence> retained_seqs_;  // topic -> its record in that queue
  std::unordered_map<std::string, mqtt::ConnectionPtr> plain_connected_;  // plain clients, by MQTT client id
  std::optional<mqtt_policy::AuthorizationPolicy> desired_policy_;  // mqttBroker.authorizations
  std::optional<mqtt_policy::AuthorizationPolicy> policy_;  // with hub.yaml's; nullopt: no policy at all

  // Publishes waiting for store space (back-pressure), oldest first.
  struct Parked {
    std::weak_ptr<mqtt::Connection> sender;
    std::shared_ptr<const Message> message;
    std::vector<store::QueueTarget> targets;
    Wakes wakes;
    mqtt::PublishTicket ticket;
    std::int64_t held_since_ms;
  };
  void release_parked_of(const mqtt::Connection* sender);
  void wake_store_writer_soon();
  bool writer_wake_posted_ = false;  // its publishes will never be acknowledged
  std::deque<Parked> parked_;
  // PUBACKs wait for the store's group commit. Its sync thread queues "durable" here without
  // waking the loop; the loop polls while publishes await durability (durable_acks.h).
  void poll_durable_acks_soon();
  DurableAcks durable_acks_;
  std::unique_ptr<net::Timer> durable_ack_poll_;
  bool durable_ack_poll_armed_ = false;
  std::size_t awaiting_durable_ = 0;  // publishes handed to the store whose PUBACK waits
  iothub::Identity edgehub_identity_;
  std::unique_ptr<UpstreamLink> upstream_;
  std::unique_ptr<net::Timer> sweep_timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace outpost::hub

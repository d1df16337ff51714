// The edge hub's link to the cloud (Azure IoT Hub or outpost-cloud — the same wire): a channel
// per identity it acts for (IoT Hub's on-behalf-of, `auth-chain`), all signed with the edge
// hub's own key — over MQTT a connection each, over AMQP sessions of one connection. It drains the durable `$upstream` queues (priority order,
// oldest first, a window of messages in flight, acknowledged in the store only when the
// cloud's PUBACK arrives), carries twin requests, and hands what the cloud sends down
// (desired patches, direct methods, C2D) to the hub.
//
// Offline is the normal case it is built for: while the cloud is away the queues grow on
// disk (TTL and byte cap still apply); each connection retries with backoff; when they
// return the queues drain in order.
//
// Threading: loop thread only.
#pragma once
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "endpoint_registry.h"
#include "hub_metrics.h"
#include "upstream_connection.h"
#include "outpost/amqp/cloud_client.h"
#include "outpost/core/message.h"
#include "outpost/core/sas_token.h"
#include "outpost/iothub/identity.h"
#include "outpost/net/event_loop.h"
#include "outpost/store/message_store.h"

namespace outpost::hub {

struct UpstreamSettings {
  UpstreamEndpoint endpoint;  // MQTT: every identity's connection; AMQP: $upstream bridges only
  // Set: identities go over this one multiplexed AMQP connection instead (UpstreamProtocol Amqp).
  std::optional<amqp::CloudClientSettings> amqp;
  std::string edge_device_id;
  KeySigner sign;                   // as $edgeHub: its key, or the workload API (loop thread)
  std::size_t window = 256;         // messages in flight upstream
  std::chrono::seconds request_timeout{30};
  std::chrono::milliseconds reported_sync_interval{1000};  // reported patches coalesced this long
  // A connection for an identity that is not connected to the hub closes once it has been
  // idle (nothing in flight, no request, no report) this long. The hub's own never closes.
  std::chrono::milliseconds idle_timeout{1000};
};

struct UpstreamHooks {
  std::function<void(bool online)> on_state;
  // A desired-properties patch from the cloud, with the cloud's version.
  std::function<void(const iothub::Identity&, const nlohmann::json& patch, std::int64_t version)> on_desired;
  // A full twin fetched after (re)connecting.
  std::function<void(const iothub::Identity&, const nlohmann::json& twin)> on_twin;
  // A direct method for a local identity; answer with UpstreamLink::answer_method.
  std::function<void(const iothub::Identity&, const std::string& method, const std::string& rid,
                     const std::string& payload)> on_method;
  std::function<void(const iothub::Identity&, Message message)> on_c2d;
  // A message on a plain topic (not devices/…, $iothub/…) on the hub's own connection: what a
  // $upstream bridge subscribed to at the parent.
  std::function<void(const std::string& topic, std::string payload, int qos, bool retained)> on_plain;
};

class UpstreamLink {
 public:
  UpstreamLink(net::EventLoop& loop, UpstreamSettings settings, store::MessageStore& store,
               EndpointRegistry& endpoints, HubMetrics& metrics, UpstreamHooks hooks);
  ~UpstreamLink();

  void start();
  bool online() const;
  // There are new messages in the $upstream queues.
  void wake();
  // Keeps a cloud connection for `identity` with the subscriptions it needs (twin, methods,
  // and C2D for leaf devices), and syncs its twin whenever the connection comes up.
  void attach(const iothub::Identity& identity);
  // The identity left the hub: its cloud connection closes after idle_timeout, so the cloud
  // sees it leave too (unless it comes back first).
  void detach(const iothub::Identity& identity);
  std::size_t connection_count() const { return links_.size(); }  // identities with a channel
  // Connections to the cloud: one over AMQP, a channel each over MQTT.
  std::size_t physical_connection_count() const { return amqp_ ? 1 : links_.size(); }
  // Stores a reported patch to send (coalesced with others for the same identity).
  void report(const iothub::Identity& identity, const nlohmann::json& patch);
  void answer_method(const iothub::Identity& identity, const std::string& rid, int status, const std::string& payload);
  // The hub's own MQTT connection (as $edgeHub), for $upstream bridges: over MQTT its
  // channel; over AMQP one made for them on first use.
  UpstreamConnection* own_connection();

 private:
  struct Pending {
    std::chrono::steady_clock::time_point deadline;
    std::function<void(int status, const std::string& body)> done;
  };
  struct Link {
    std::unique_ptr<UpstreamChannel> connection;
    std::unordered_map<std::string, Pending> requests;  // by $rid
    nlohmann::json reported;                            // coalesced, not yet sent
    bool reporting = false;
    bool twin_synced = false;
    bool attached = false;        // its client is connected to the hub
    std::size_t in_flight = 0;    // its telemetry awaiting the cloud's PUBACK
    std::chrono::steady_clock::time_point idle_since = std::chrono::steady_clock::now();
  };
  struct InFlight {
    store::QueueId queue;
    store::Sequence seq;
    metrics::Counter* sent;  // counted once the cloud acknowledges it
    std::string sender_id;   // whose link carries it
  };
  // edgehub_messages_sent_total{to="upstream"} as edgeHub labels it: the sending identity,
  // its output, and the priority of the queue the message waited in.
  metrics::Counter& sent_counter(const iothub::Identity& sender, const Message& message, std::uint32_t priority);

  Link& link(const iothub::Identity& identity);
  std::unique_ptr<UpstreamChannel> make_channel(const iothub::Identity& identity, const std::optional<std::string>& chain,
                                                UpstreamConnection::Callbacks callbacks);
  std::string token();  // cached: see the .cpp
  void on_connected(const iothub::Identity& identity);
  void on_message(const iothub::Identity& identity, const std::string& topic, std::string payload);
  void request(Link& link, const std::string& topic_prefix, const std::string& payload,
               std::function<void(int, const std::string&)> done);
  void sync_twin(const iothub::Identity& identity);
  void flush_reported();
  void housekeeping();  // expires requests, closes idle connections
  void expire_requests();
  void close_idle_links();
  void pump();
  void delivered(const InFlight& done, bool ok);

  net::EventLoop& loop_;
  UpstreamSettings settings_;
  store::MessageStore& store_;
  EndpointRegistry& endpoints_;
  HubMetrics& metrics_;
  UpstreamHooks hooks_;
  iothub::Identity edgehub_identity_;
  std::map<std::string, Link> links_;  // by identity id
  std::unordered_map<store::QueueId, store::Sequence> cursor_;
  std::map<std::pair<store::QueueId, store::Sequence>, bool> in_flight_;
  std::uint64_t next_rid_ = 1;
  bool online_ = false;
  bool pumping_ = false;
  std::optional<std::string> blocked_on_;  // the sender whose connection the queue head waits for
  std::unordered_map<std::string, metrics::Counter*> sent_counters_;  // by from, output, priority
  std::unique_ptr<net::Timer> housekeeping_;
  std::unique_ptr<net::Timer> reported_timer_;
  std::unique_ptr<amqp::CloudClient> amqp_;                 // the multiplexed connection (AMQP)
  std::unique_ptr<UpstreamConnection> bridge_connection_;  // AMQP: $edgeHub over MQTT for bridges
  std::string cached_token_;
  std::int64_t cached_token_expiry_ = 0;
};

}  // namespace outpost::hub

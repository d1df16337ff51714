// The edge hub's link to the cloud (Azure IoT Hub or outpost-cloud — the same wire): one MQTT
// connection per identity it acts for (IoT Hub's on-behalf-of, `auth-chain`), all signed
// with the edge hub's own key. It drains the durable `$upstream` queues (priority order,
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

#include "hub/endpoint_registry.h"
#include "hub/hub_metrics.h"
#include "hub/upstream_connection.h"
#include "outpost/core/message.h"
#include "outpost/iothub/identity.h"
#include "outpost/net/event_loop.h"
#include "outpost/store/message_store.h"

namespace outpost::hub {

struct UpstreamSettings {
  UpstreamEndpoint endpoint;
  std::string edge_device_id;
  std::string edgehub_key;          // $edgeHub's shared access key (base64)
  std::size_t window = 256;         // messages in flight upstream
  std::chrono::seconds request_timeout{30};
  std::chrono::milliseconds reported_sync_interval{1000};  // reported patches coalesced this long
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
  // Stores a reported patch to send (coalesced with others for the same identity).
  void report(const iothub::Identity& identity, const nlohmann::json& patch);
  void answer_method(const iothub::Identity& identity, const std::string& rid, int status, const std::string& payload);

 private:
  struct Pending {
    std::chrono::steady_clock::time_point deadline;
    std::function<void(int status, const std::string& body)> done;
  };
  struct Link {
    std::unique_ptr<UpstreamConnection> connection;
    std::unordered_map<std::string, Pending> requests;  // by $rid
    nlohmann::json reported;                            // coalesced, not yet sent
    bool reporting = false;
    bool twin_synced = false;
  };
  struct InFlight {
    store::QueueId queue;
    store::Sequence seq;
  };

  Link& link(const iothub::Identity& identity);
  std::string token() const;
  void on_connected(const iothub::Identity& identity);
  void on_message(const iothub::Identity& identity, const std::string& topic, std::string payload);
  void request(Link& link, const std::string& topic_prefix, const std::string& payload,
               std::function<void(int, const std::string&)> done);
  void sync_twin(const iothub::Identity& identity);
  void flush_reported();
  void expire_requests();
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
  metrics::Counter* sent_upstream_ = nullptr;
  std::unique_ptr<net::Timer> housekeeping_;
  std::unique_ptr<net::Timer> reported_timer_;
};

}  // namespace outpost::hub

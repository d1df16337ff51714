// The device-facing MQTT endpoint of outpost-cloud: IoT Hub's semantics on the shared
// mqtt::Server. It authenticates devices and modules (directly, or on behalf of an edge
// hub: device_auth.h), keeps cleanSession=0 sessions, stores telemetry (the PUBACK goes
// out once the event is durable), answers twin GET and reported PATCH, pushes desired
// patches, relays direct methods and delivers queued cloud-to-device messages.
//
// Threading: every method runs on the EventLoop's thread; telemetry durability callbacks
// are posted back to it.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include "c2d_queue.h"
#include "cloud_metrics.h"
#include "device_auth.h"
#include "event_feed.h"
#include "outpost/iothub_methods/method_dispatcher.h"
#include "registry.h"
#include "cloud_database.h"
#include "twins.h"
#include "outpost/core/clock.h"
#include "outpost/iothub/topics.h"
#include "outpost/mqtt/server.h"
#include "outpost/net/event_loop.h"

namespace outpost::cloud {

struct DeviceEndpointSettings {
  std::string hostname;
  std::size_t c2d_window = 10;  // cloud-to-device messages in flight per device
  std::chrono::milliseconds c2d_purge_interval{10000};
  std::string device_ca_pem;  // CAs of certificateAuthority devices (X.509)
};

class DeviceEndpoint final : public mqtt::Handler {
 public:
  DeviceEndpoint(net::EventLoop& loop, DeviceEndpointSettings settings, CloudDatabase& storage, Registry& registry,
                 TwinService& twins, iothub::MethodDispatcher& methods, C2dQueue& c2d, TelemetryLog& telemetry,
                 EventFeed& feed, CloudMetrics& metrics, const Clock& clock = SystemClock::instance());
  ~DeviceEndpoint() override;

  void start();  // periodic cloud-to-device purge

  mqtt::ConnectDecision on_connect(const mqtt::ConnectionPtr& c, const mqtt::ConnectPacket& p) override;
  void on_publish(const mqtt::ConnectionPtr& c, mqtt::PublishPacket&& p, mqtt::PublishTicket t) override;
  std::vector<std::uint8_t> on_subscribe(const mqtt::ConnectionPtr& c,
                                         const std::vector<mqtt::Subscription>& subs) override;
  void on_unsubscribe(const mqtt::ConnectionPtr& c, const std::vector<std::string>& filters) override;
  void on_delivered(const mqtt::ConnectionPtr& c, std::uint64_t tag) override;
  void on_close(const mqtt::ConnectionPtr& c, mqtt::CloseReason reason) override;

  bool connected(const iothub::Identity& identity) const;
  // When the identity last connected or disconnected, and last published (unix ms; 0: never
  // since this process started).
  struct Activity {
    std::int64_t state_updated_ms = 0;
    std::int64_t last_activity_ms = 0;
  };
  Activity activity(const iothub::Identity& identity) const;
  std::size_t connection_count() const { return connected_.size(); }
  // The identity's connection if it is subscribed to direct methods.
  mqtt::ConnectionPtr listening_for_methods(const iothub::Identity& identity) const;
  // Who acts for a connected identity (the edge device of an on-behalf-of connection).
  std::optional<std::string> acting_edge(const iothub::Identity& identity) const;

  // Observers wired by the cloud: desired patches to push, identities that went away.
  void twin_changed(const TwinChange& change);
  void identity_changed(const std::string& device_id, const std::optional<std::string>& module_id,
                        IdentityChange change);
  void c2d_enqueued(const std::string& device_id);

  IdentityLookup lookup() const;

 private:
  struct Client {
    iothub::Identity identity;
    std::string id;
    bool clean_session = true;
    std::uint32_t subscriptions = 0;  // iothub::SubscriptionKind bits
    std::optional<std::string> acting_edge;
    std::optional<mqtt::Will> will;
    std::set<std::int64_t> c2d_in_flight;
    std::int64_t c2d_cursor = 0;  // highest seq sent on this connection
    bool subscribed(iothub::SubscriptionKind kind) const {
      return (subscriptions & static_cast<std::uint32_t>(kind)) != 0;
    }
  };
  Client& client(const mqtt::ConnectionPtr& c) { return *static_cast<Client*>(c->user_state.get()); }
  mqtt::ConnectionPtr connection_of(const iothub::Identity& identity) const;

  void ingest(const mqtt::ConnectionPtr& c, Client& client, const iothub::TelemetryTopic& topic,
              mqtt::PublishPacket&& packet, mqtt::PublishTicket ticket);
  void store(const std::weak_ptr<mqtt::Connection>& sender, Message&& message, const iothub::Identity& identity,
             std::uint8_t qos, mqtt::PublishTicket ticket);
  void twin_get(const mqtt::ConnectionPtr& c, Client& client, const std::string& rid);
  void twin_patch(const mqtt::ConnectionPtr& c, Client& client, const std::string& rid, const std::string& body);
  void pump_c2d(const mqtt::ConnectionPtr& c, Client& client);
  void persist_session(const Client& client);
  void purge_c2d();

  net::EventLoop& loop_;
  DeviceEndpointSettings settings_;
  CloudDatabase& storage_;
  Registry& registry_;
  TwinService& twins_;
  iothub::MethodDispatcher& methods_;
  C2dQueue& c2d_;
  TelemetryLog& telemetry_;
  EventFeed& feed_;
  CloudMetrics& metrics_;
  const Clock& clock_;
  std::unordered_map<std::string, mqtt::ConnectionPtr> connected_;  // by identity id
  std::unordered_map<std::string, Activity> activity_;              // by identity id
  std::unique_ptr<net::Timer> purge_timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace outpost::cloud

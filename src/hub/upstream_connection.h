// One MQTT connection to the cloud for one identity — the edge hub itself, or a module or
// leaf device it acts for ("on behalf of", IoT Hub's auth-chain) — on Paho MQTT C++; or, with
// a plain login, to any MQTT broker (a bridge, mqtt_bridge.h). Always cleanSession=0.
// Reconnects with exponential backoff (1 s .. 60 s, with jitter) and a fresh SAS token each
// time. Every callback is posted to the EventLoop, so users never see Paho's threads.
#pragma once
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "upstream_channel.h"
#include "outpost/iothub/identity.h"
#include "outpost/net/event_loop.h"

namespace outpost::hub {

struct UpstreamEndpoint {
  std::string server_uri;  // "ssl://127.0.0.1:8883" (TLS), or "tcp://…" (a bridge's plain MQTT)
  std::string ca_file;     // empty: the system trust store
  std::string hostname;    // the IoT Hub host name in user names and token audiences
  std::chrono::seconds keep_alive{10};
};

// Who connects: client id, user name and password (made fresh for each attempt).
struct UpstreamLogin {
  std::string client_id;
  std::optional<std::string> username;
  std::function<std::optional<std::string>()> password;  // empty: none
};

class UpstreamConnection final : public UpstreamChannel {
 public:
  struct Callbacks {
    std::function<void()> on_connected;
    std::function<void(const std::string& reason)> on_lost;
    std::function<void(const std::string& topic, std::string payload, int qos, bool retained)> on_message;
  };
  // `password` makes a fresh SAS token for each attempt.
  UpstreamConnection(net::EventLoop& loop, UpstreamEndpoint endpoint, iothub::Identity identity,
                     std::optional<std::string> auth_chain, std::function<std::string()> password,
                     Callbacks callbacks);
  // Any broker: `login` as given; `name` is how logs call the connection.
  UpstreamConnection(net::EventLoop& loop, UpstreamEndpoint endpoint, UpstreamLogin login, std::string name,
                     Callbacks callbacks);
  ~UpstreamConnection() override;
  UpstreamConnection(const UpstreamConnection&) = delete;
  UpstreamConnection& operator=(const UpstreamConnection&) = delete;

  void start() override;
  bool connected() const override { return connected_; }
  const iothub::Identity& identity() const override { return identity_; }

  // QoS 0 or 1; `done(ok)` runs on the loop: for QoS 1 when the cloud's PUBACK arrives.
  void publish(const std::string& topic, const std::string& payload, int qos, std::function<void(bool ok)> done) override;
  // Kept and re-sent after every reconnect (the cloud session may be new).
  void subscribe(const std::string& filter, int qos) override;
  void unsubscribe(const std::string& filter);

 private:
  void connect();
  void schedule_reconnect(const std::string& reason);
  struct Shared;  // what Paho's threads may touch, kept alive by them
  struct Client;  // the Paho client (kept out of this header: Paho's namespace is `mqtt`)

  net::EventLoop& loop_;
  UpstreamEndpoint endpoint_;
  iothub::Identity identity_;  // empty for a plain login
  UpstreamLogin login_;
  std::string name_;  // in logs: the identity, or a bridge's endpoint
  Callbacks callbacks_;
  std::shared_ptr<Shared> shared_;
  std::unique_ptr<Client> client_;
  std::unique_ptr<net::Timer> retry_timer_;
  std::chrono::milliseconds backoff_{0};
  std::vector<std::pair<std::string, int>> subscriptions_;
  std::shared_ptr<void> connect_listener_keepalive_;  // Paho holds the listener by reference
  bool connected_ = false;
  bool connecting_ = false;
};

}  // namespace outpost::hub

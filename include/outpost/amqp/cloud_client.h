// The client side of IoT Hub's AMQP endpoint, multiplexed: ONE connection to the cloud (TLS)
// carrying any number of identities, each on a session of its own with its own links, as
// edgeHub's upstream does over AMQP (hub-protocol.md §5, "Upstream multiplexing"). A channel
// speaks IoT Hub's MQTT topics — publish telemetry, twin requests and method answers; receive
// twin replies, desired patches, method calls and C2D — so the edge hub's upstream link drives
// it exactly as it drives an MQTT connection. The connection reconnects with backoff
// (1 s .. 60 s, jittered); every channel then puts its token and attaches its links again.
// Threading: the EventLoop's thread only; callbacks run there.
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "outpost/iothub/identity.h"
#include "outpost/net/event_loop.h"

namespace outpost::amqp {

struct CloudClientSettings {
  std::string address;   // "host:port" to dial (IoT Hub: {hostname}:5671)
  std::string hostname;  // the IoT Hub host name: the AMQP open's hostname and token audiences
  std::string ca_file;   // trust for the cloud's certificate; empty: the system store
  bool tls = true;       // false: plain TCP (tests and benchmarks on loopback)
  bool websocket = false;  // AmqpWs: in a WebSocket (subprotocol AMQPWSB10, /$iothub/websocket) over TLS
  std::chrono::seconds idle_timeout{60};  // edgeHub's; the cloud sees a dead link within it
};

class CloudChannel {
 public:
  struct Callbacks {
    std::function<void()> on_connected;
    std::function<void(const std::string& reason)> on_lost;
    std::function<void(const std::string& topic, std::string payload)> on_message;
  };
  virtual ~CloudChannel() = default;
  virtual void start() = 0;
  virtual bool connected() const = 0;
  virtual const iothub::Identity& identity() const = 0;
  // Telemetry (devices/{d}[/modules/{m}]/messages/events/{bag}), twin requests
  // ($iothub/twin/GET|PATCH/...?$rid=) and method answers ($iothub/methods/res/{status}/?$rid=).
  // `done(ok)`: telemetry once the cloud settled it (accepted: true).
  virtual void publish(const std::string& topic, const std::string& payload, int qos, std::function<void(bool ok)> done) = 0;
  // $iothub/twin/res/#, $iothub/twin/PATCH/properties/desired/#, $iothub/methods/POST/#,
  // devices/{d}/messages/devicebound/#: the links (or twin notifications) they stand for.
  virtual void subscribe(const std::string& filter) = 0;
  virtual void unsubscribe(const std::string& filter) = 0;
};

class CloudClient {
 public:
  CloudClient(net::EventLoop& loop, CloudClientSettings settings);
  ~CloudClient();
  CloudClient(const CloudClient&) = delete;
  CloudClient& operator=(const CloudClient&) = delete;

  // A channel for `identity`: `token()` makes the SAS token it puts on $cbs (for an identity the
  // hub acts for, the hub's own, with `auth_chain` "{target};{edge}" on its links). The channel
  // goes with the connection: connected when it is and its token was accepted.
  std::unique_ptr<CloudChannel> channel(iothub::Identity identity, std::optional<std::string> auth_chain,
                                        std::function<std::string()> token, CloudChannel::Callbacks callbacks);
  bool connected() const;
  std::size_t channel_count() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace outpost::amqp

// One MQTT bridge (bridge_config.h) at work: a cleanSession=0 client of the remote broker
// (UpstreamConnection with a plain login; for $upstream, the hub's own link to its parent) that
//   - sends out what EdgeHub queued for it: every local plain publish an out setting takes is
//     appended to the bridge's store queue ("mqtt-bridge-{n}") like a persistent session's, and
//     leaves the store only when the remote broker acknowledged it: each goes out at QoS 1,
//     whatever its own (stored, so delivered at least once; QoS 2 is not kept end to end). While the remote
//     is away, the queue waits on disk; after a reconnect it resends from its head, in order.
//   - brings in what its in settings subscribe to on the remote broker (QoS 1, kept by the
//     remote broker for this client id while the hub is away) and hands it to `on_incoming`
//     under its local topic.
// Threading: the hub's loop only (Paho's threads post to it).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "bridge_config.h"
#include "hub_metrics.h"
#include "upstream_connection.h"
#include "outpost/net/event_loop.h"
#include "outpost/store/message_store.h"

namespace outpost::hub {

class MqttBridge {
 public:
  using Incoming = std::function<void(const std::string& local_topic, std::string payload, std::uint8_t qos,
                                      bool retain)>;
  MqttBridge(net::EventLoop& loop, store::MessageStore& store, HubMetrics& metrics, BridgeConfig config,
             std::size_t index, std::size_t window, Incoming on_incoming);
  void set_incoming(Incoming on_incoming) { on_incoming_ = std::move(on_incoming); }
  ~MqttBridge();

  // Connects to the remote broker (a connection of its own).
  void start();
  // A $upstream bridge: over the hub's own link to its parent, which the UpstreamLink keeps;
  // call resume() each time that link comes up and receive() with what arrives on it.
  void start_over(UpstreamConnection& link);
  // Stops using the link (its in settings are unsubscribed); the queue stays.
  void stop();
  void resume();
  // A message from the remote side: handed to `on_incoming` under its local topic.
  void receive(const std::string& topic, std::string payload, int qos, bool retained);
  const BridgeConfig& config() const { return config_; }
  store::QueueId queue() const { return queue_; }
  bool connected() const {
    const auto* remote = this->remote();
    return remote && remote->connected();
  }
  // Sends what the window allows of the queue (after an append, a PUBACK, a reconnect).
  void pump();

 private:
  void delivered(store::Sequence seq, bool ok);
  const UpstreamConnection* remote() const { return connection_ ? connection_.get() : link_; }
  UpstreamConnection* remote() { return connection_ ? connection_.get() : link_; }

  net::EventLoop& loop_;
  store::MessageStore& store_;
  HubMetrics& metrics_;
  BridgeConfig config_;
  std::size_t window_;
  Incoming on_incoming_;
  store::QueueId queue_;
  std::unique_ptr<UpstreamConnection> connection_;  // its own, or
  UpstreamConnection* link_ = nullptr;               // the hub's link to its parent ($upstream)
  store::Sequence cursor_ = 0;
  std::set<store::Sequence> in_flight_;
  bool pumping_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

std::string bridge_queue_name(std::size_t index);

}  // namespace outpost::hub

// IoT Hub's device-facing AMQP 1.0 endpoint (hub-protocol.md §5) in front of an
// mqtt::Handler: a client proves identities with CBS put-token (or SASL PLAIN), and each
// identity becomes an mqtt::Connection on which its links turn into the handler calls an
// MQTT client of IoT Hub would cause — telemetry into on_publish, a module-inputs or C2D
// receiver into on_subscribe, twin and method requests into their $iothub topics — and the
// handler's publishes back into AMQP messages on the right link. So the edge hub and the
// cloud serve AMQP with the routing, store, authorization and metrics they already have
// (docs/HUB.md, "AMQP"). All Handler calls run on the EventLoop's thread.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "outpost/core/message.h"
#include "outpost/core/result.h"
#include "outpost/iothub/identity.h"
#include "outpost/mqtt/server.h"
#include "outpost/net/event_loop.h"
#include "outpost/net/tls.h"
#include "outpost/net/websocket_handoff.h"

namespace outpost::amqp {

// The service-facing endpoints IoT Hub's service SDKs use (azure-iothub's Client over AMQP):
// cloud-to-device sends on /messages/devicebound and the feedback stream on
// /messages/serviceBound/feedback. The cloud implements it; the edge hub has none.
class ServiceHandler {
 public:
  virtual ~ServiceHandler() = default;
  // A put-token whose audience is the hub itself ("{host}"): a shared access policy's token
  // that must grant ServiceConnect.
  virtual bool authorize_service(const std::string& audience, const std::string& token) = 0;
  struct Refusal {
    std::string condition;  // an AMQP error condition: amqp:not-found, amqp:resource-limit-exceeded ...
    std::string description;
  };
  // A cloud-to-device message for `device_id` (from its `to`); nullopt: queued.
  virtual std::optional<Refusal> send_c2d(const std::string& device_id, Message message) = 0;
  struct FeedbackBatch {
    std::uint64_t id = 0;
    std::string body;  // a JSON array of IoT Hub's feedback records
  };
  // The oldest feedback not yet completed; completed once a service client accepts it.
  virtual std::optional<FeedbackBatch> next_feedback() = 0;
  virtual void feedback_completed(std::uint64_t id) = 0;
  // Set by the server: the handler calls it when feedback arrives.
  std::function<void()> feedback_ready;
};

struct ServerOptions {
  std::string container_id = "outpost";
  // Messages a client may have in flight on one link before the hub has made them durable:
  // credit is given back as they are settled. 1000 keeps a fast sender busy (Proton measured
  // ~1.5x the throughput of 100) and bounds what one link can hold.
  std::uint32_t link_credit = 1000;
  std::uint32_t max_frame_size = 64 * 1024;
  // Every receiving link's max-message-size: a larger message is dropped as its frames arrive
  // and then rejected with amqp:link:message-size-exceeded (IoT Hub takes up to 1 MB a message
  // on AMQP; the hub's 256 KB rule then rejects the same way).
  std::size_t max_message_bytes = 1024 * 1024;
  // Idle timeout the server asks of clients (the SDKs send their own, honoured too).
  std::chrono::seconds idle_timeout{240};
  // Links a connection may hold for each identity proved on it (a module with twin, methods,
  // outputs and inputs uses 6; the CBS links come on top of the first).
  std::size_t max_links_per_identity = 16;
  std::size_t max_identities_per_connection = 1000;  // an edge multiplexing its children
  // Before a connection has an identity: how many may wait, and for how long.
  std::size_t max_unauthenticated_connections = 1024;
  std::chrono::seconds tls_handshake_timeout{10};
  std::chrono::seconds authenticate_timeout{60};
  // A token put again for an identity the connection already has (renewal): checked here when
  // set; nullptr: its audience and expiry only.
  std::function<bool(const iothub::Identity&, const std::string& token)> verify_renewal;
  std::function<void(const char* reason)> on_refused;  // a connection closed on accept
  ServiceHandler* service = nullptr;  // the service endpoints; nullptr: devices and modules only
};

class Server {
 public:
  Server(net::EventLoop& loop, mqtt::Handler& handler, ServerOptions options = {});
  ~Server();

  // Each returns the bound port (useful with port 0) or an error naming the address.
  Result<std::uint16_t> listen_tls(std::string_view host_port, std::shared_ptr<net::TlsServerContext> tls);
  Result<std::uint16_t> listen_tcp(std::string_view host_port);  // tests and benchmarks
  // AMQP over WebSocket ("AMQPWSB10"): for mqtt::ServerOptions::websocket_handoffs, so one
  // port (443) serves MQTT, AMQP and the module API as IoT Edge's does.
  net::WebSocketHandoff websocket_handoff();

  void stop();  // closes listeners and every connection
  std::size_t connection_count() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace outpost::amqp

// An MQTT 3.1.1 server: listeners (TCP, TLS, WebSocket over TLS), one session per
// connection, keep-alive, packet ids, in-order PUBACKs, back-pressure. What the packets
// *mean* (authentication, topics, routing) belongs to the Handler — the edge hub and the
// cloud hub each implement one. All Handler calls run on the EventLoop's thread.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "outpost/core/result.h"
#include "outpost/mqtt_codec/packets.h"
#include "outpost/net/event_loop.h"
#include "outpost/net/http_server.h"
#include "outpost/net/tls.h"
#include "outpost/net/websocket_handoff.h"

namespace outpost::mqtt {

// Identifies a received QoS 1 PUBLISH whose PUBACK is owed (or a QoS 2 one whose PUBREC is).
// They go out in the order the PUBLISHes arrived (MQTT 3.1.1 §4.6), whenever each one is completed.
using PublishTicket = std::uint64_t;

// Why a handler refuses one message (Connection::refuse_publish).
enum class PublishRefusal { too_large, invalid };

enum class CloseReason {
  client_disconnect,  // DISCONNECT received: no will
  // MQTT 5 DISCONNECT with a reason code other than 0 (0x04 "Disconnect with Will Message", or
  // an error): the will is kept and published (§3.1.2.5, §3.14.2.1).
  client_disconnect_with_will,
  protocol_error,     // malformed packet or forbidden operation
  transport_error,    // socket closed or failed without DISCONNECT
  keep_alive_timeout,
  taken_over,         // a new connection with the same identity replaced this one
  server_closed,      // the handler or a shutdown closed it
};
const char* close_reason_name(CloseReason reason);
// The connection failed (I/O error, keep-alive timeout, protocol violation) rather than
// ending by DISCONNECT, a takeover or the server's choice: when IoT Hub and edgeHub send a will.
inline bool ended_in_error(CloseReason reason) {
  return reason == CloseReason::transport_error || reason == CloseReason::keep_alive_timeout ||
         reason == CloseReason::protocol_error;
}

class Connection {
 public:
  virtual ~Connection() = default;

  virtual std::uint64_t id() const = 0;  // unique per process
  virtual const std::string& client_id() const = 0;
  virtual const std::string& remote_address() const = 0;
  virtual const char* transport_name() const = 0;  // "tcp", "tls", "wss"
  // The certificate the client presented in the TLS handshake, on listeners that ask for one.
  virtual const net::ClientCertificate* client_certificate() const { return nullptr; }
  // The CONNECT's protocol level: kMqtt311 (4) or kMqtt5 (5).
  virtual std::uint8_t protocol_level() const { return kMqtt311; }
  // MQTT 5: the Session Expiry Interval the client's DISCONNECT set, if it set one; it replaces
  // the CONNECT's for the session the connection leaves behind (§3.14.2.2.2).
  virtual std::optional<std::uint32_t> disconnect_session_expiry() const { return std::nullopt; }
  virtual bool open() const = 0;

  // Sends a PUBLISH. For QoS 1 the handler's on_delivered(tag) follows the client's PUBACK;
  // for QoS 2 its PUBCOMP (the session answers PUBREC with PUBREL).
  // `retain` marks a retained message sent because of a new subscription (§3.3.1.3), or one
  // passed on with Retain As Published. `properties`: what an MQTT 5 client gets with it
  // (the caller's choice of §3.3.2.3's; ignored on a 3.1.1 connection).
  virtual void publish(std::string_view topic, std::string_view payload, std::uint8_t qos,
                       std::uint64_t tag = 0, bool dup = false, bool retain = false,
                       const Properties* properties = nullptr) = 0;
  virtual std::size_t outbound_in_flight() const = 0;  // QoS 1 and 2 publishes not yet acknowledged

  // Owes a PUBACK (PUBREC for QoS 2) for `ticket`; sent once every earlier ticket is completed
  // too. `reason_code`: an MQTT 5 client's reason (e.g. refusal::not_authorized; a refused QoS 2
  // publish ends at its PUBREC); a 3.1.1 client gets a plain acknowledgement whatever it is.
  virtual void complete_publish(PublishTicket ticket, std::uint8_t reason_code = 0) = 0;

  // Refuses the one message `ticket` stands for where the protocol can say why and go on (AMQP
  // rejects its delivery with an error condition). False where it cannot: the handler then
  // closes the connection, as IoT Hub does on MQTT.
  virtual bool refuse_publish(PublishTicket, PublishRefusal, std::string_view /*why*/) { return false; }

  // Stops reading from the socket (back-pressure) until resume_reading().
  virtual void pause_reading() = 0;
  virtual void resume_reading() = 0;

  // An MQTT 5 client is told why first: a DISCONNECT with the reason code the CloseReason
  // stands for (session.cpp, disconnect_code_for), except after a transport error.
  virtual void close(CloseReason reason, std::string_view detail) = 0;

  // The handler's per-connection state.
  std::shared_ptr<void> user_state;
};
using ConnectionPtr = std::shared_ptr<Connection>;

struct ConnectDecision {
  ConnectReturnCode code = ConnectReturnCode::not_authorized;
  bool session_present = false;
};

class Handler {
 public:
  virtual ~Handler() = default;
  virtual ConnectDecision on_connect(const ConnectionPtr& connection, const ConnectPacket& packet) = 0;
  // For QoS 1 and 2, call connection->complete_publish(ticket) when the message is safe (or close).
  virtual void on_publish(const ConnectionPtr& connection, PublishPacket&& packet,
                          PublishTicket ticket) = 0;
  // One return code per subscription: granted QoS, or kSubackFailure.
  virtual std::vector<std::uint8_t> on_subscribe(const ConnectionPtr& connection,
                                                 const std::vector<Subscription>& subscriptions) = 0;
  virtual void on_unsubscribe(const ConnectionPtr& connection,
                              const std::vector<std::string>& filters) = 0;
  virtual void on_delivered(const ConnectionPtr& connection, std::uint64_t tag) = 0;
  // Only for connections that on_connect accepted.
  virtual void on_close(const ConnectionPtr& connection, CloseReason reason) = 0;
};

// What a client may cost before it is authenticated. Defaults are what a gateway needs;
// hub.yaml and cloud.yaml set them under `limits:` (server_limits.h reads them).
struct ServerLimits {
  // Until CONNECT is accepted a connection is a stranger: its packets are capped much lower
  // (a CONNECT carries a client id, user name and SAS token: a few hundred bytes) and only
  // so many strangers are served at once; more are closed on accept (on_refused is told).
  std::size_t max_connect_bytes = 64 * 1024;
  std::size_t max_unauthenticated_connections = 1024;
  std::chrono::seconds tls_handshake_timeout{10};  // the TLS (and WebSocket) handshake
  std::chrono::seconds connect_timeout{60};        // from accept to CONNECT
};

struct ServerOptions {
  std::size_t max_packet_bytes = 256 * 1024 + 8 * 1024;  // the 256 KB limit plus topic room
  ServerLimits limits;
  std::size_t max_unacknowledged_inbound = 1024;  // owed PUBACKs before reading pauses
  // QoS 2 PUBLISHes are received exactly once (PUBREC, PUBREL, PUBCOMP) and handed to the
  // handler with qos 2, which may still refuse them per topic; otherwise they close the
  // connection (IoT Hub's rule, and the cloud's). Deliveries to clients stay at QoS 0 or 1.
  bool accept_qos2 = false;
  // While reading is paused (back-pressure), frames already sent are kept, up to this many
  // bytes per connection, so PINGREQs behind them are still answered; then reading stops.
  std::size_t max_held_inbound_bytes = 256 * 1024 + 8 * 1024;
  // MQTT 5 features the handler serves, advertised in CONNACK: subscription identifiers
  // (each Subscription carries the SUBSCRIBE's; without this, one is a protocol error) and
  // shared subscriptions ($share/{group}/{filter}).
  bool subscription_identifiers = false;
  bool shared_subscriptions = false;
  std::function<void(const char* reason)> on_refused;  // a connection closed on accept
  std::size_t max_outbound_buffer = 16 << 20;     // bytes queued to a slow client before closing it
  std::string websocket_path = "/$iothub/websocket";
  // On the WebSocket listener, HTTPS requests that are not an MQTT upgrade go here (IoT
  // Edge's port 443 also serves the module API, e.g. ModuleClient.invokeMethod).
  net::HttpHandler websocket_http_fallback;
  // Other protocols on the WebSocket listener, by subprotocol (AMQP over WebSocket:
  // amqp::Server::websocket_handoff()).
  std::vector<net::WebSocketHandoff> websocket_handoffs;
};

class Server {
 public:
  Server(net::EventLoop& loop, Handler& handler, ServerOptions options = {});
  ~Server();

  // Each returns the bound port (useful with port 0) or an error naming the address.
  Result<std::uint16_t> listen_tcp(std::string_view host_port);
  Result<std::uint16_t> listen_tls(std::string_view host_port,
                                   std::shared_ptr<net::TlsServerContext> tls);
  Result<std::uint16_t> listen_websocket(std::string_view host_port,
                                         std::shared_ptr<net::TlsServerContext> tls);

  void stop();  // closes listeners and every connection
  std::size_t connection_count() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace outpost::mqtt

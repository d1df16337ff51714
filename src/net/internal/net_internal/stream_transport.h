// The byte stream under an MQTT or AMQP session: plain TCP, TLS, or WebSocket over TLS. A
// session reads and writes through this interface and never knows which one it has.
#pragma once
#include <utility>  // g++ 12 needs it before Asio's awaitable

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <vector>

#include "outpost/net/http_server.h"
#include "outpost/net/tls.h"
#include "outpost/net/websocket_handoff.h"

namespace outpost::net {

namespace asio = boost::asio;
using boost::system::error_code;

class StreamTransport {
 public:
  virtual ~StreamTransport() = default;
  // TLS and WebSocket handshakes; nothing for TCP.
  virtual asio::awaitable<void> handshake(error_code& ec) = 0;
  virtual asio::awaitable<std::size_t> read_some(asio::mutable_buffer buffer, error_code& ec) = 0;
  virtual asio::awaitable<void> write(asio::const_buffer buffer, error_code& ec) = 0;
  // Writes what the socket takes now without waiting, and returns how many bytes that was:
  // most writes fit the socket buffer, and skipping the coroutine saves a loop turn on the
  // delivery path. 0 when it would block, failed (write() then reports it) or the transport
  // cannot (TLS and WebSocket frame their writes).
  virtual std::size_t write_now(asio::const_buffer) { return 0; }
  // Closes the socket at once; pending reads and writes complete with an error.
  virtual void close() = 0;
  virtual const char* name() const = 0;
  // True when the handshake turned out to be a plain HTTPS request and the connection was
  // handed to the HTTP handler: the session ends quietly.
  virtual bool handed_over() const { return false; }
  const std::string& remote_address() const { return remote_address_; }
  // WebSocket: the subprotocol the handshake chose ("mqtt", "AMQPWSB10"); empty otherwise.
  const std::string& subprotocol() const { return subprotocol_; }
  // TLS on a listener that asks for client certificates: what the client presented.
  const ClientCertificate* client_certificate() const { return client_certificate_ ? &*client_certificate_ : nullptr; }

 protected:
  std::string remote_address_;
  std::optional<ClientCertificate> client_certificate_;
  std::string subprotocol_;
};

struct WebSocketSettings {
  std::string path;  // "/$iothub/websocket"
  HttpHandler http_fallback;  // serves requests that are not WebSocket upgrades; may be empty
  // The subprotocols served, in the server's order of preference: the first one the client
  // offers is chosen; an upgrade offering none of them is refused.
  std::vector<std::string> subprotocols{"mqtt"};
  // Subprotocols another server speaks on the same port (AMQPWSB10): once upgraded, the
  // connection is handed to `take` and this transport's handshake ends as handed_over().
  std::vector<WebSocketHandoff> handoffs;
};

std::unique_ptr<StreamTransport> make_tcp_transport(asio::ip::tcp::socket socket);
std::unique_ptr<StreamTransport> make_tls_transport(asio::ip::tcp::socket socket,
                                              std::shared_ptr<TlsServerContext> tls);
std::unique_ptr<StreamTransport> make_websocket_transport(asio::ip::tcp::socket socket,
                                                          std::shared_ptr<TlsServerContext> tls,
                                                          WebSocketSettings settings);

std::string describe_endpoint(const asio::ip::tcp::socket& socket);

}  // namespace outpost::net

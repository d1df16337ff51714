// The byte stream under an MQTT session: plain TCP, TLS, or WebSocket over TLS. A session
// reads and writes through this interface and never knows which one it has.
#pragma once
#include <utility>  // g++ 12 needs it before Asio's awaitable

#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "outpost/net/tls.h"

namespace outpost::mqtt {

namespace asio = boost::asio;
using boost::system::error_code;

class Transport {
 public:
  virtual ~Transport() = default;
  // TLS and WebSocket handshakes; nothing for TCP.
  virtual asio::awaitable<void> handshake(error_code& ec) = 0;
  virtual asio::awaitable<std::size_t> read_some(asio::mutable_buffer buffer, error_code& ec) = 0;
  virtual asio::awaitable<void> write(asio::const_buffer buffer, error_code& ec) = 0;
  // Closes the socket at once; pending reads and writes complete with an error.
  virtual void close() = 0;
  virtual const char* name() const = 0;
  const std::string& remote_address() const { return remote_address_; }

 protected:
  std::string remote_address_;
};

struct WebSocketSettings {
  std::string path;  // "/$iothub/websocket"
};

std::unique_ptr<Transport> make_tcp_transport(asio::ip::tcp::socket socket);
std::unique_ptr<Transport> make_tls_transport(asio::ip::tcp::socket socket,
                                              std::shared_ptr<net::TlsServerContext> tls);
std::unique_ptr<Transport> make_websocket_transport(asio::ip::tcp::socket socket,
                                                    std::shared_ptr<net::TlsServerContext> tls,
                                                    WebSocketSettings settings);

std::string describe_endpoint(const asio::ip::tcp::socket& socket);

}  // namespace outpost::mqtt

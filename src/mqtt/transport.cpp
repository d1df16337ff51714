#include "transport.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "net_internal/asio_loop.h"
#include "net_internal/http_takeover.h"

namespace outpost::mqtt {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::redirect_error;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

class TcpTransport final : public Transport {
 public:
  explicit TcpTransport(tcp::socket socket) : socket_(std::move(socket)) {
    remote_address_ = describe_endpoint(socket_);
    error_code ignored;
    socket_.non_blocking(true, ignored);  // for write_now; Asio's async operations are unaffected
  }
  asio::awaitable<void> handshake(error_code&) override { co_return; }
  asio::awaitable<std::size_t> read_some(asio::mutable_buffer b, error_code& ec) override {
    co_return co_await socket_.async_read_some(b, redirect_error(use_awaitable, ec));
  }
  asio::awaitable<void> write(asio::const_buffer b, error_code& ec) override {
    co_await asio::async_write(socket_, b, redirect_error(use_awaitable, ec));
  }
  std::size_t write_now(asio::const_buffer b) override {
    error_code ec;
    const auto n = socket_.write_some(b, ec);
    return ec ? 0 : n;
  }
  void close() override {
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }
  const char* name() const override { return "tcp"; }

 private:
  tcp::socket socket_;
};

class TlsTransport final : public Transport {
 public:
  TlsTransport(tcp::socket socket, std::shared_ptr<net::TlsServerContext> tls)
      : tls_(std::move(tls)), stream_(std::move(socket), net::ssl_context(*tls_)) {
    remote_address_ = describe_endpoint(stream_.next_layer());
  }
  asio::awaitable<void> handshake(error_code& ec) override {
    co_await stream_.async_handshake(asio::ssl::stream_base::server,
                                     redirect_error(use_awaitable, ec));
    if (!ec) client_certificate_ = net::client_certificate_of(stream_.native_handle());
  }
  asio::awaitable<std::size_t> read_some(asio::mutable_buffer b, error_code& ec) override {
    co_return co_await stream_.async_read_some(b, redirect_error(use_awaitable, ec));
  }
  asio::awaitable<void> write(asio::const_buffer b, error_code& ec) override {
    co_await asio::async_write(stream_, b, redirect_error(use_awaitable, ec));
  }
  void close() override {
    // No TLS close_notify: a peer that stopped reading would stall it; TCP close suffices.
    error_code ignored;
    stream_.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.next_layer().close(ignored);
  }
  const char* name() const override { return "tls"; }

 private:
  std::shared_ptr<net::TlsServerContext> tls_;
  asio::ssl::stream<tcp::socket> stream_;
};

class WebSocketTransport final : public Transport {
 public:
  WebSocketTransport(tcp::socket socket, std::shared_ptr<net::TlsServerContext> tls,
                     WebSocketSettings settings)
      : tls_(std::move(tls)),
        settings_(std::move(settings)),
        ws_(beast::tcp_stream(std::move(socket)), net::ssl_context(*tls_)) {
    remote_address_ = describe_endpoint(beast::get_lowest_layer(ws_).socket());
  }

  asio::awaitable<void> handshake(error_code& ec) override {
    co_await ws_.next_layer().async_handshake(asio::ssl::stream_base::server,
                                              redirect_error(use_awaitable, ec));
    if (ec) co_return;
    client_certificate_ = net::client_certificate_of(ws_.next_layer().native_handle());
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    co_await http::async_read(ws_.next_layer(), buffer, request, redirect_error(use_awaitable, ec));
    if (ec) co_return;
    const auto target = std::string(request.target());
    const bool path_ok = target == settings_.path || target.rfind(settings_.path + "?", 0) == 0;
    const auto protocols = std::string(request[http::field::sec_websocket_protocol]);
    if (!websocket::is_upgrade(request) && settings_.http_fallback) {
      // IoT Edge serves its module HTTP API (invokeMethod) on the WebSocket port too.
      handed_over_ = true;
      net::serve_https_after_first_request(std::move(ws_.next_layer()), std::move(buffer), std::move(request),
                                           settings_.http_fallback, remote_address_);
      ec = asio::error::operation_aborted;
      co_return;
    }
    if (!websocket::is_upgrade(request) || !path_ok || protocols.find("mqtt") == std::string::npos) {
      http::response<http::string_body> refusal{http::status::not_found, request.version()};
      refusal.set(http::field::content_type, "text/plain");
      refusal.body() = "MQTT over WebSocket is served at " + settings_.path +
                       " with subprotocol 'mqtt'\n";
      refusal.prepare_payload();
      error_code ignored;
      co_await http::async_write(ws_.next_layer(), refusal, redirect_error(use_awaitable, ignored));
      ec = websocket::error::no_connection_upgrade;
      co_return;
    }
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
      response.set(http::field::sec_websocket_protocol, "mqtt");
    }));
    co_await ws_.async_accept(request, redirect_error(use_awaitable, ec));
    ws_.binary(true);
  }

  asio::awaitable<std::size_t> read_some(asio::mutable_buffer b, error_code& ec) override {
    co_return co_await ws_.async_read_some(b, redirect_error(use_awaitable, ec));
  }
  asio::awaitable<void> write(asio::const_buffer b, error_code& ec) override {
    co_await ws_.async_write(b, redirect_error(use_awaitable, ec));
  }
  void close() override {
    if (handed_over_) return;  // the socket belongs to the HTTP session now
    error_code ignored;
    auto& socket = beast::get_lowest_layer(ws_).socket();
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }
  const char* name() const override { return "wss"; }
  bool handed_over() const override { return handed_over_; }

 private:
  std::shared_ptr<net::TlsServerContext> tls_;
  WebSocketSettings settings_;
  websocket::stream<net::TlsStream> ws_;
  bool handed_over_ = false;
};

}  // namespace

std::string describe_endpoint(const tcp::socket& socket) {
  error_code ec;
  const auto ep = socket.remote_endpoint(ec);
  if (ec) return "?";
  const auto address = ep.address().to_string();
  return (ep.address().is_v6() ? "[" + address + "]" : address) + ":" + std::to_string(ep.port());
}

std::unique_ptr<Transport> make_tcp_transport(tcp::socket socket) {
  return std::make_unique<TcpTransport>(std::move(socket));
}

std::unique_ptr<Transport> make_tls_transport(tcp::socket socket,
                                              std::shared_ptr<net::TlsServerContext> tls) {
  return std::make_unique<TlsTransport>(std::move(socket), std::move(tls));
}

std::unique_ptr<Transport> make_websocket_transport(tcp::socket socket,
                                                    std::shared_ptr<net::TlsServerContext> tls,
                                                    WebSocketSettings settings) {
  return std::make_unique<WebSocketTransport>(std::move(socket), std::move(tls), std::move(settings));
}

}  // namespace outpost::mqtt

#include "net_internal/stream_transport.h"

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

namespace outpost::net {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::redirect_error;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

class TcpTransport final : public StreamTransport {
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

class TlsTransport final : public StreamTransport {
 public:
  TlsTransport(tcp::socket socket, std::shared_ptr<TlsServerContext> tls)
      : tls_(std::move(tls)), stream_(std::move(socket), ssl_context(*tls_)) {
    remote_address_ = describe_endpoint(stream_.next_layer());
  }
  asio::awaitable<void> handshake(error_code& ec) override {
    co_await stream_.async_handshake(asio::ssl::stream_base::server,
                                     redirect_error(use_awaitable, ec));
    if (!ec) client_certificate_ = client_certificate_of(stream_.native_handle());
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
  std::shared_ptr<TlsServerContext> tls_;
  asio::ssl::stream<tcp::socket> stream_;
};

class WebSocketTransport final : public StreamTransport {
 public:
  WebSocketTransport(tcp::socket socket, std::shared_ptr<TlsServerContext> tls,
                     WebSocketSettings settings)
      : tls_(std::move(tls)),
        settings_(std::move(settings)),
        ws_(beast::tcp_stream(std::move(socket)), ssl_context(*tls_)) {
    remote_address_ = describe_endpoint(beast::get_lowest_layer(ws_).socket());
    for (const auto& handoff : settings_.handoffs) settings_.subprotocols.push_back(handoff.subprotocol);
  }
  // An upgraded connection handed to another server: handshake() is done.
  explicit WebSocketTransport(WebSocketTransport& from)
      : tls_(from.tls_), ws_(std::move(from.ws_)) {
    remote_address_ = from.remote_address_;
    client_certificate_ = from.client_certificate_;
    subprotocol_ = from.subprotocol_;
    handed_over_from_ = true;
  }

  asio::awaitable<void> handshake(error_code& ec) override {
    if (handed_over_from_) co_return;  // done by the transport that handed it over
    co_await ws_.next_layer().async_handshake(asio::ssl::stream_base::server,
                                              redirect_error(use_awaitable, ec));
    if (ec) co_return;
    client_certificate_ = client_certificate_of(ws_.next_layer().native_handle());
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
      serve_https_after_first_request(std::move(ws_.next_layer()), std::move(buffer), std::move(request),
                                           settings_.http_fallback, remote_address_);
      ec = asio::error::operation_aborted;
      co_return;
    }
    subprotocol_ = choose_subprotocol(protocols);
    if (!websocket::is_upgrade(request) || !path_ok || subprotocol_.empty()) {
      http::response<http::string_body> refusal{http::status::not_found, request.version()};
      refusal.set(http::field::content_type, "text/plain");
      refusal.body() = "WebSocket is served at " + settings_.path + " with subprotocol";
      for (const auto& name : settings_.subprotocols) refusal.body() += " '" + name + "'";
      refusal.body() += "\n";
      refusal.prepare_payload();
      error_code ignored;
      co_await http::async_write(ws_.next_layer(), refusal, redirect_error(use_awaitable, ignored));
      ec = websocket::error::no_connection_upgrade;
      co_return;
    }
    ws_.set_option(websocket::stream_base::decorator([chosen = subprotocol_](websocket::response_type& response) {
      response.set(http::field::sec_websocket_protocol, chosen);
    }));
    co_await ws_.async_accept(request, redirect_error(use_awaitable, ec));
    ws_.binary(true);
    if (ec) co_return;
    for (const auto& handoff : settings_.handoffs) {
      if (handoff.subprotocol != subprotocol_) continue;
      handed_over_ = true;
      handoff.take(std::unique_ptr<StreamTransport>(new WebSocketTransport(*this)));
      ec = asio::error::operation_aborted;
      co_return;
    }
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
  // Sec-WebSocket-Protocol is a comma-separated list (RFC 6455 §4.1); the server picks.
  std::string choose_subprotocol(std::string_view offered) const {
    std::vector<std::string> names;
    while (!offered.empty()) {
      const auto comma = offered.find(',');
      auto name = offered.substr(0, comma);
      while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
      while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
      names.emplace_back(name);
      offered = comma == std::string_view::npos ? std::string_view{} : offered.substr(comma + 1);
    }
    // Any "mqtt…" name (mqttv3.1 of old Paho clients) is MQTT, as it always was here.
    for (const auto& served : settings_.subprotocols)
      for (const auto& name : names)
        if (name == served || (served == "mqtt" && name.find("mqtt") != std::string::npos)) return served;
    return {};
  }

  std::shared_ptr<TlsServerContext> tls_;
  WebSocketSettings settings_;
  websocket::stream<TlsStream> ws_;
  bool handed_over_ = false;
  bool handed_over_from_ = false;
};

}  // namespace

std::string describe_endpoint(const tcp::socket& socket) {
  error_code ec;
  const auto ep = socket.remote_endpoint(ec);
  if (ec) return "?";
  const auto address = ep.address().to_string();
  return (ep.address().is_v6() ? "[" + address + "]" : address) + ":" + std::to_string(ep.port());
}

std::unique_ptr<StreamTransport> make_tcp_transport(tcp::socket socket) {
  return std::make_unique<TcpTransport>(std::move(socket));
}

std::unique_ptr<StreamTransport> make_tls_transport(tcp::socket socket,
                                              std::shared_ptr<TlsServerContext> tls) {
  return std::make_unique<TlsTransport>(std::move(socket), std::move(tls));
}

std::unique_ptr<StreamTransport> make_websocket_transport(tcp::socket socket,
                                                    std::shared_ptr<TlsServerContext> tls,
                                                    WebSocketSettings settings) {
  return std::make_unique<WebSocketTransport>(std::move(socket), std::move(tls), std::move(settings));
}

}  // namespace outpost::net

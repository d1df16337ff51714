// Private to net: one HTTP/1.1 connection on any Beast stream — TCP, TLS or a unix socket:
// read a request (body capped), hand it to the handler, wait for its answer, write it (or
// stream chunks), keep-alive or close. The HttpServer's accept loops create these.
#pragma once
#include <array>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <spdlog/spdlog.h>

#include "http_responder_state.h"
#include "net_internal/asio_loop.h"
#include "outpost/net/http_server.h"

namespace outpost::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

// RFC 9110's Date (IMF-fixdate), as IoT Hub sends it: clients such as `outpost check` read
// the server's clock from it.
inline std::string http_date_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[40];
  std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return text;
}

// What every session of one server shares.
struct HttpSessionContext {
  HttpHandler handler;
  HttpServerOptions options;
  bool stopped = false;
};

// What Beast parsed, as the transport-free request handlers see (http_message.cpp).
HttpRequest to_request(http::request<http::string_body>&& raw, std::string remote);

template <typename Stream>
constexpr bool is_tls_stream = false;
template <typename Next>
constexpr bool is_tls_stream<beast::ssl_stream<Next>> = true;

template <typename Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  HttpSession(std::shared_ptr<HttpSessionContext> server, Stream stream, std::string remote,
              std::optional<PeerCredentials> peer = std::nullopt)
      : server_(std::move(server)), stream_(std::move(stream)), remote_(std::move(remote)), peer_(peer),
        wake_(stream_.get_executor()) {}

  // A session whose TLS handshake and first request already happened elsewhere.
  void take_over(beast::flat_buffer buffer, http::request<http::string_body> first) {
    buffer_ = std::move(buffer);
    first_ = std::move(first);
    handshake_done_ = true;
  }

  asio::awaitable<void> run() {
    auto self = this->shared_from_this();
    boost::system::error_code ec;
    if constexpr (is_tls_stream<Stream>) {
      if (!handshake_done_) {
        beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
        co_await stream_.async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
      }
      if (auto presented = client_certificate_of(stream_.native_handle()))
        client_certificate_ = std::make_shared<const ClientCertificate>(std::move(*presented));
    }
    auto& buffer = buffer_;
    while (!server_->stopped) {
      http::request<http::string_body> raw;
      if (first_) {
        raw = std::move(*first_);
        first_.reset();
      } else {
        http::request_parser<http::string_body> parser;
        parser.body_limit(server_->options.max_body_bytes);
        beast::get_lowest_layer(stream_).expires_after(server_->options.idle_timeout);
        co_await http::async_read(stream_, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
        if (ec == http::error::body_limit) {
          co_await write(HttpResponse::text(413, "request body too large\n"), false);
          co_await drain();
          break;
        }
        if (ec) break;  // closed, timed out or malformed: nothing more to say
        raw = parser.release();
      }
      const bool keep_alive = raw.keep_alive();
      const unsigned version = raw.version();
      version_ = version;
      auto target = std::make_shared<HttpResponder::Target>();
      target->executor = stream_.get_executor();
      try {
        auto request = to_request(std::move(raw), remote_);
        request.peer = peer_;
        request.client_certificate = client_certificate_;
        server_->handler(std::move(request), HttpResponder(target));
      } catch (const std::exception& e) {
        // A handler bug costs this request (500, unless it already answered), not the loop.
        spdlog::error("http: a handler failed on a request from {}: {}", remote_, e.what());
        HttpResponder(target).send(HttpResponse::text(500, "internal error; see the server's log\n"));
      }
      while (!target->response && !target->streaming) co_await wait(*target);
      beast::get_lowest_layer(stream_).expires_never();
      if (target->response) {
        if (!co_await write(std::move(*target->response), keep_alive)) break;
        if (!keep_alive) break;
        continue;
      }
      co_await stream_out(*target);
      break;
    }
    boost::system::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(asio::socket_base::shutdown_both, ignored);
  }

 private:
  asio::awaitable<void> wait(HttpResponder::Target& target) {
    wake_.expires_at(asio::steady_timer::time_point::max());
    target.wake = [this] { wake_.cancel(); };
    boost::system::error_code ignored;
    co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    target.wake = nullptr;
  }

  // A lingering close: the client may still be sending the body we refused, and closing
  // with unread data resets the connection, so it would never read our 413. Read and drop
  // what comes (bounded in bytes and time), then close.
  asio::awaitable<void> drain() {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
    std::array<char, 16384> scratch;
    std::size_t total = 0;
    boost::system::error_code ec;
    while (total < (8u << 20)) {
      const auto n = co_await stream_.async_read_some(asio::buffer(scratch), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      total += n;
    }
  }

  asio::awaitable<bool> write(HttpResponse response, bool keep_alive) {
    http::response<http::string_body> out{static_cast<http::status>(response.status), version_};
    out.set(http::field::server, "outpost");
    out.set(http::field::date, http_date_now());
    for (auto& [k, v] : response.headers) out.set(k, v);
    out.body() = std::move(response.body);
    out.keep_alive(keep_alive);
    out.prepare_payload();
    boost::system::error_code ec;
    co_await http::async_write(stream_, out, asio::redirect_error(asio::use_awaitable, ec));
    co_return !ec;
  }

  asio::awaitable<void> stream_out(HttpResponder::Target& target) {
    http::response<http::empty_body> head{static_cast<http::status>(target.stream_status), version_};
    head.set(http::field::server, "outpost");
    head.set(http::field::date, http_date_now());
    for (auto& [k, v] : target.stream_headers) head.set(k, v);
    head.chunked(true);
    head.keep_alive(false);
    http::response_serializer<http::empty_body> serializer{head};
    boost::system::error_code ec;
    co_await http::async_write_header(stream_, serializer, asio::redirect_error(asio::use_awaitable, ec));
    while (!ec) {
      while (!target.chunks.empty() && !ec) {
        const std::string chunk = std::move(target.chunks.front());
        target.chunks.pop_front();
        co_await asio::async_write(stream_, http::make_chunk(asio::buffer(chunk)), asio::redirect_error(asio::use_awaitable, ec));
      }
      if (ec) break;
      if (target.stream_closed) {
        co_await asio::async_write(stream_, http::make_chunk_last(), asio::redirect_error(asio::use_awaitable, ec));
        break;
      }
      co_await wait(target);
    }
    target.client_gone = true;
    target.finish_stream();
  }

  std::shared_ptr<HttpSessionContext> server_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request<http::string_body>> first_;
  bool handshake_done_ = false;
  std::string remote_;
  std::optional<PeerCredentials> peer_;
  std::shared_ptr<const ClientCertificate> client_certificate_;
  unsigned version_ = 11;
  asio::steady_timer wake_;
};

}  // namespace outpost::net

#include "outpost/net/http_server.h"

#include <deque>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "net_internal/acceptor.h"
#include "net_internal/asio_loop.h"
#include "net_internal/http_takeover.h"
#include "outpost/core/encoding.h"
#include "outpost/net/address.h"

namespace outpost::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using asio::redirect_error;
using asio::use_awaitable;

// ---- request helpers ----

std::optional<std::string> HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return std::nullopt;
}

std::optional<std::string> HttpRequest::query_param(const std::string& name) const {
  const auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> HttpRequest::path_segments() const {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const auto end = slash == std::string::npos ? path.size() : slash;
    if (end > start) parts.push_back(path.substr(start, end - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return parts;
}

HttpResponse HttpResponse::text(int status, std::string body, std::string content_type) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("Content-Type", std::move(content_type));
  return r;
}

HttpResponse HttpResponse::json(int status, std::string json_body) {
  return text(status, std::move(json_body), "application/json; charset=utf-8");
}

HttpResponse& HttpResponse::with_header(std::string name, std::string value) {
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

// ---- the responder's shared state between handler and session ----

struct HttpResponder::Target {
  asio::any_io_executor executor;
  std::optional<HttpResponse> response;
  bool streaming = false;
  int stream_status = 200;
  std::vector<std::pair<std::string, std::string>> stream_headers;
  std::deque<std::string> chunks;
  bool stream_closed = false;
  bool client_gone = false;
  std::vector<std::function<void()>> close_callbacks;
  std::function<void()> wake;  // wakes the session coroutine; set while it waits

  void notify() {
    if (wake) wake();
  }
  void finish_stream() {
    auto callbacks = std::move(close_callbacks);
    close_callbacks.clear();
    for (auto& cb : callbacks) cb();
  }
};

namespace {

class StreamImpl final : public HttpStream {
 public:
  explicit StreamImpl(std::shared_ptr<HttpResponder::Target> target) : target_(std::move(target)) {}
  void write(std::string chunk) override {
    asio::post(target_->executor, [t = target_, c = std::move(chunk)]() mutable {
      if (t->stream_closed || t->client_gone) return;
      t->chunks.push_back(std::move(c));
      t->notify();
    });
  }
  void close() override {
    asio::post(target_->executor, [t = target_] {
      if (t->stream_closed) return;
      t->stream_closed = true;
      t->notify();
    });
  }
  bool open() const override { return !target_->stream_closed && !target_->client_gone; }
  void on_close(std::function<void()> callback) override {
    asio::post(target_->executor, [t = target_, cb = std::move(callback)]() mutable {
      if (t->client_gone || t->stream_closed) cb();
      else t->close_callbacks.push_back(std::move(cb));
    });
  }

 private:
  std::shared_ptr<HttpResponder::Target> target_;
};

HttpRequest to_request(http::request<http::string_body>&& raw, std::string remote) {
  HttpRequest req;
  req.method = std::string(raw.method_string());
  req.target = std::string(raw.target());
  const auto q = req.target.find('?');
  const std::string_view raw_path = std::string_view(req.target).substr(0, q);
  req.path = url_decode(raw_path).value_or(std::string(raw_path));
  if (q != std::string::npos) {
    std::string_view query = std::string_view(req.target).substr(q + 1);
    while (!query.empty()) {
      const auto amp = query.find('&');
      const auto item = query.substr(0, amp);
      const auto eq = item.find('=');
      auto key = url_decode(item.substr(0, eq)).value_or(std::string(item.substr(0, eq)));
      std::string value;
      if (eq != std::string_view::npos) {
        std::string v(item.substr(eq + 1));
        for (auto& c : v) if (c == '+') c = ' ';
        value = url_decode(v).value_or(v);
      }
      if (!key.empty()) req.query[key] = value;
      if (amp == std::string_view::npos) break;
      query = query.substr(amp + 1);
    }
  }
  for (const auto& field : raw) req.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  req.body = std::move(raw.body());
  req.remote_address = std::move(remote);
  return req;
}

std::string describe(const tcp::socket& socket) {
  error_code ec;
  const auto ep = socket.remote_endpoint(ec);
  return ec ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
}

}  // namespace

void HttpResponder::send(HttpResponse response) const {
  asio::post(target_->executor, [t = target_, r = std::move(response)]() mutable {
    if (t->response || t->streaming) return;
    t->response = std::move(r);
    t->notify();
  });
}

HttpResponder HttpResponder::to_callback(EventLoop& loop, std::function<void(HttpResponse)> on_response) {
  auto target = std::make_shared<Target>();
  target->executor = asio_context(loop).get_executor();
  // notify() runs inside send()'s posted task, which keeps the target alive; a raw pointer
  // here avoids a target -> wake -> target cycle.
  target->wake = [t = target.get(), on_response = std::move(on_response)] {
    if (t->response) on_response(std::move(*t->response));
  };
  return HttpResponder(std::move(target));
}

std::shared_ptr<HttpStream> HttpResponder::stream(int status,
                                                  std::vector<std::pair<std::string, std::string>> headers) const {
  auto stream = std::make_shared<StreamImpl>(target_);
  asio::post(target_->executor, [t = target_, status, h = std::move(headers)]() mutable {
    if (t->response || t->streaming) return;
    t->streaming = true;
    t->stream_status = status;
    t->stream_headers = std::move(h);
    t->notify();
  });
  return stream;
}

// ---- sessions ----

// What every session of one server shares.
struct HttpSessionContext {
  HttpHandler handler;
  HttpServerOptions options;
  bool stopped = false;
};

struct HttpServer::Impl {
  Impl(EventLoop& loop, HttpHandler handler, HttpServerOptions options)
      : io(asio_context(loop)),
        context(std::make_shared<HttpSessionContext>(HttpSessionContext{std::move(handler), options})) {}
  asio::io_context& io;
  std::shared_ptr<HttpSessionContext> context;
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors;
};

namespace {

template <typename Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  HttpSession(std::shared_ptr<HttpSessionContext> server, Stream stream, std::string remote)
      : server_(std::move(server)), stream_(std::move(stream)), remote_(std::move(remote)),
        wake_(stream_.get_executor()) {}

  // A session whose TLS handshake and first request already happened elsewhere.
  void take_over(beast::flat_buffer buffer, http::request<http::string_body> first) {
    buffer_ = std::move(buffer);
    first_ = std::move(first);
    handshake_done_ = true;
  }

  asio::awaitable<void> run() {
    auto self = this->shared_from_this();
    error_code ec;
    if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
      if (!handshake_done_) {
        beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
        co_await stream_.async_handshake(asio::ssl::stream_base::server, redirect_error(use_awaitable, ec));
        if (ec) co_return;
      }
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
        co_await http::async_read(stream_, buffer, parser, redirect_error(use_awaitable, ec));
        if (ec == http::error::body_limit) {
          co_await write(HttpResponse::text(413, "request body too large\n"), false);
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
        server_->handler(to_request(std::move(raw), remote_), HttpResponder(target));
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
    error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

 private:
  asio::awaitable<void> wait(HttpResponder::Target& target) {
    wake_.expires_at(asio::steady_timer::time_point::max());
    target.wake = [this] { wake_.cancel(); };
    error_code ignored;
    co_await wake_.async_wait(redirect_error(use_awaitable, ignored));
    target.wake = nullptr;
  }

  asio::awaitable<bool> write(HttpResponse response, bool keep_alive) {
    http::response<http::string_body> out{static_cast<http::status>(response.status), version_};
    out.set(http::field::server, "outpost");
    for (auto& [k, v] : response.headers) out.set(k, v);
    out.body() = std::move(response.body);
    out.keep_alive(keep_alive);
    out.prepare_payload();
    error_code ec;
    co_await http::async_write(stream_, out, redirect_error(use_awaitable, ec));
    co_return !ec;
  }

  asio::awaitable<void> stream_out(HttpResponder::Target& target) {
    http::response<http::empty_body> head{static_cast<http::status>(target.stream_status), version_};
    head.set(http::field::server, "outpost");
    for (auto& [k, v] : target.stream_headers) head.set(k, v);
    head.chunked(true);
    head.keep_alive(false);
    http::response_serializer<http::empty_body> serializer{head};
    error_code ec;
    co_await http::async_write_header(stream_, serializer, redirect_error(use_awaitable, ec));
    while (!ec) {
      while (!target.chunks.empty() && !ec) {
        const std::string chunk = std::move(target.chunks.front());
        target.chunks.pop_front();
        co_await asio::async_write(stream_, http::make_chunk(asio::buffer(chunk)), redirect_error(use_awaitable, ec));
      }
      if (ec) break;
      if (target.stream_closed) {
        co_await asio::async_write(stream_, http::make_chunk_last(), redirect_error(use_awaitable, ec));
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
  unsigned version_ = 11;
  asio::steady_timer wake_;
};

asio::awaitable<void> accept_loop(std::shared_ptr<HttpSessionContext> server, asio::io_context& io,
                                  std::shared_ptr<tcp::acceptor> acceptor, std::shared_ptr<TlsServerContext> tls) {
  while (acceptor->is_open() && !server->stopped) {
    error_code ec;
    tcp::socket socket = co_await acceptor->async_accept(redirect_error(use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || server->stopped) co_return;
      spdlog::warn("http: accept failed: {}", ec.message());
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    const auto remote = describe(socket);
    if (tls) {
      using Ssl = beast::ssl_stream<beast::tcp_stream>;
      auto session = std::make_shared<HttpSession<Ssl>>(server, Ssl(beast::tcp_stream(std::move(socket)), ssl_context(*tls)), remote);
      asio::co_spawn(io, [session] { return session->run(); }, asio::detached);
    } else {
      auto session = std::make_shared<HttpSession<beast::tcp_stream>>(server, beast::tcp_stream(std::move(socket)), remote);
      asio::co_spawn(io, [session] { return session->run(); }, asio::detached);
    }
  }
}

}  // namespace

void serve_https_after_first_request(TlsStream stream, beast::flat_buffer buffer,
                                     http::request<http::string_body> first, HttpHandler handler,
                                     std::string remote, HttpServerOptions options) {
  auto context = std::make_shared<HttpSessionContext>(HttpSessionContext{std::move(handler), options});
  auto executor = stream.get_executor();
  auto session = std::make_shared<HttpSession<TlsStream>>(context, std::move(stream), std::move(remote));
  session->take_over(std::move(buffer), std::move(first));
  asio::co_spawn(executor, [session] { return session->run(); }, asio::detached);
}

HttpServer::HttpServer(EventLoop& loop, HttpHandler handler, HttpServerOptions options)
    : impl_(std::make_unique<Impl>(loop, std::move(handler), options)) {}

HttpServer::~HttpServer() { stop(); }

Result<std::uint16_t> HttpServer::listen(std::string_view host_port, std::shared_ptr<TlsServerContext> tls) {
  auto opened = open_acceptor(impl_->io, host_port);
  if (!opened) return opened.failure();
  auto acceptor = *opened;
  impl_->acceptors.push_back(acceptor);
  asio::co_spawn(impl_->io, accept_loop(impl_->context, impl_->io, acceptor, std::move(tls)), asio::detached);
  return acceptor->local_endpoint().port();
}

void HttpServer::stop() {
  impl_->context->stopped = true;
  for (auto& a : impl_->acceptors) {
    error_code ignored;
    a->close(ignored);
  }
  impl_->acceptors.clear();
}

}  // namespace outpost::net

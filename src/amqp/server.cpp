#include "outpost/amqp/server.h"

#include <unordered_map>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "amqp_connection.h"
#include "net_internal/acceptor.h"
#include "net_internal/asio_loop.h"

namespace outpost::amqp {
namespace {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// Connection ids share the handler's space with the MQTT server's (it keys calls and sessions
// by them): AMQP identities count from here.
constexpr std::uint64_t kFirstConnectionId = std::uint64_t{1} << 48;
}  // namespace

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Impl(net::EventLoop& loop, mqtt::Handler& handler, ServerOptions options)
      : io(net::asio_context(loop)),
        context(std::make_shared<ServerContext>(ServerContext{handler, std::move(options), kFirstConnectionId})) {}

  asio::io_context& io;
  std::shared_ptr<ServerContext> context;
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors;
  std::unordered_map<AmqpConnection*, std::shared_ptr<AmqpConnection>> connections;
  bool stopped = false;

  Result<std::uint16_t> listen(std::string_view host_port, std::shared_ptr<net::TlsServerContext> tls) {
    auto opened = net::open_acceptor(io, host_port);
    if (!opened) return opened.failure();
    auto acceptor = *opened;
    acceptors.push_back(acceptor);
    asio::co_spawn(io, accept_loop(shared_from_this(), acceptor, std::move(tls)), asio::detached);
    return acceptor->local_endpoint().port();
  }

  static asio::awaitable<void> accept_loop(std::shared_ptr<Impl> self, std::shared_ptr<tcp::acceptor> acceptor,
                                           std::shared_ptr<net::TlsServerContext> tls) {
    while (acceptor->is_open()) {
      error_code ec;
      auto socket = co_await acceptor->async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (self->stopped || !acceptor->is_open()) co_return;
      if (ec) {
        if (ec == asio::error::operation_aborted) co_return;
        spdlog::warn("amqp: accept failed: {}", ec.message());  // out of descriptors: back off, keep serving
        asio::steady_timer pause(self->io, std::chrono::milliseconds(100));
        co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      if (!self->admit()) {
        socket.close(ec);
        continue;
      }
      self->start(tls ? net::make_tls_transport(std::move(socket), tls) : net::make_tcp_transport(std::move(socket)));
    }
  }

  // Strangers cost memory before they prove anything: past the cap, new ones wait outside.
  bool admit() {
    if (context->unauthenticated < context->options.max_unauthenticated_connections) return true;
    spdlog::warn("amqp: refusing a connection: {} connections have not proved an identity yet", context->unauthenticated);
    if (context->options.on_refused) context->options.on_refused("unauthenticated_limit");
    return false;
  }

  void start(std::unique_ptr<net::StreamTransport> transport) {
    auto connection = std::make_shared<AmqpConnection>(io.get_executor(), context, std::move(transport));
    connection->on_finished = [weak = weak_from_this(), raw = connection.get()] {
      if (auto self = weak.lock()) self->connections.erase(raw);
    };
    connections.emplace(connection.get(), connection);
    connection->start();
  }
};

Server::Server(net::EventLoop& loop, mqtt::Handler& handler, ServerOptions options)
    : impl_(std::make_shared<Impl>(loop, handler, std::move(options))) {
  if (auto* service = impl_->context->options.service) {
    service->feedback_ready = [weak = std::weak_ptr<Impl>(impl_)] {
      if (auto self = weak.lock())
        for (auto& [raw, connection] : self->connections) connection->offer_feedback();
    };
  }
}

Server::~Server() {
  stop();
  if (auto* service = impl_->context->options.service) service->feedback_ready = nullptr;
}

Result<std::uint16_t> Server::listen_tls(std::string_view host_port, std::shared_ptr<net::TlsServerContext> tls) {
  return impl_->listen(host_port, std::move(tls));
}

Result<std::uint16_t> Server::listen_tcp(std::string_view host_port) { return impl_->listen(host_port, nullptr); }

net::WebSocketHandoff Server::websocket_handoff() {
  return {"AMQPWSB10", [weak = std::weak_ptr<Impl>(impl_)](std::unique_ptr<net::StreamTransport> transport) {
            auto self = weak.lock();
            if (!self || self->stopped || !self->admit()) return;  // the transport closes as it goes
            self->start(std::move(transport));
          }};
}

void Server::stop() {
  impl_->stopped = true;
  for (auto& acceptor : impl_->acceptors) {
    error_code ignored;
    acceptor->close(ignored);
  }
  impl_->acceptors.clear();
  auto open = std::move(impl_->connections);
  impl_->connections.clear();
  // At once, not after a close handshake: the handler may be gone once stop() returns.
  for (auto& [raw, connection] : open) {
    connection->on_finished = nullptr;
    connection->shut_down();
  }
}

std::size_t Server::connection_count() const { return impl_->connections.size(); }

}  // namespace outpost::amqp

#include "outpost/mqtt/server.h"

#include <unordered_map>
#include <unordered_set>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "session.h"
#include "net_internal/acceptor.h"
#include "net_internal/asio_loop.h"
#include "outpost/net/address.h"

namespace outpost::mqtt {

using tcp = asio::ip::tcp;

enum class ListenerKind { plain, tls, websocket };

struct Server::Impl {
  Impl(net::EventLoop& loop, Handler& the_handler, ServerOptions server_options)
      : io(net::asio_context(loop)), handler(the_handler), options(std::move(server_options)) {}

  asio::io_context& io;
  Handler& handler;
  ServerOptions options;
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors;
  std::unordered_map<std::uint64_t, std::weak_ptr<Session>> sessions;
  std::unordered_set<std::uint64_t> unauthenticated;  // sessions whose CONNECT is not yet accepted
  std::shared_ptr<PendingWrites> pending_writes = std::make_shared<PendingWrites>(io.get_executor());
  std::uint64_t next_session_id = 1;
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);

  Result<std::uint16_t> listen(std::string_view host_port, ListenerKind kind,
                               std::shared_ptr<net::TlsServerContext> tls);
  asio::awaitable<void> accept_loop(std::shared_ptr<tcp::acceptor> acceptor, ListenerKind kind,
                                    std::shared_ptr<net::TlsServerContext> tls);
  void start_session(tcp::socket socket, ListenerKind kind,
                     const std::shared_ptr<net::TlsServerContext>& tls);
};

Result<std::uint16_t> Server::Impl::listen(std::string_view host_port, ListenerKind kind,
                                           std::shared_ptr<net::TlsServerContext> tls) {
  auto opened = net::open_acceptor(io, host_port);
  if (!opened) return opened.failure();
  auto acceptor = *opened;
  const auto port = acceptor->local_endpoint().port();
  acceptors.push_back(acceptor);
  asio::co_spawn(io, accept_loop(acceptor, kind, std::move(tls)), asio::detached);
  return port;
}

asio::awaitable<void> Server::Impl::accept_loop(std::shared_ptr<tcp::acceptor> acceptor,
                                                ListenerKind kind,
                                                std::shared_ptr<net::TlsServerContext> tls) {
  const auto alive_flag = alive;
  while (acceptor->is_open()) {
    error_code ec;
    tcp::socket socket = co_await acceptor->async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (!*alive_flag || !acceptor->is_open()) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      // Out of file descriptors and the like: log, back off briefly, keep serving.
      spdlog::warn("mqtt: accept failed: {}", ec.message());
      asio::steady_timer pause(io, std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    start_session(std::move(socket), kind, tls);
  }
}

void Server::Impl::start_session(tcp::socket socket, ListenerKind kind,
                                 const std::shared_ptr<net::TlsServerContext>& tls) {
  error_code ignored;
  if (unauthenticated.size() >= options.limits.max_unauthenticated_connections) {
    // Strangers cost memory before they prove anything: past the cap, new ones wait outside.
    spdlog::warn("mqtt: refusing a connection: {} connections have not sent an accepted CONNECT yet",
                 unauthenticated.size());
    if (options.on_refused) options.on_refused("unauthenticated_limit");  // counted before the peer sees it
    socket.close(ignored);
    return;
  }
  socket.set_option(tcp::no_delay(true), ignored);
  std::unique_ptr<net::StreamTransport> transport;
  switch (kind) {
    case ListenerKind::plain: transport = net::make_tcp_transport(std::move(socket)); break;
    case ListenerKind::tls: transport = net::make_tls_transport(std::move(socket), tls); break;
    case ListenerKind::websocket:
      transport = net::make_websocket_transport(
          std::move(socket), tls, {options.websocket_path, options.websocket_http_fallback, {"mqtt"}, options.websocket_handoffs});
      break;
  }
  const auto id = next_session_id++;
  SessionContext context{handler, options,
                         [this, alive_flag = alive](std::uint64_t finished) {
                           if (!*alive_flag) return;
                           sessions.erase(finished);
                           unauthenticated.erase(finished);
                         },
                         [this, alive_flag = alive](std::uint64_t authenticated) {
                           if (*alive_flag) unauthenticated.erase(authenticated);
                         },
                         pending_writes};
  auto session = std::make_shared<Session>(io.get_executor(), std::move(transport),
                                           std::move(context), id);
  sessions.emplace(id, session);
  unauthenticated.insert(id);
  session->start();
}

Server::Server(net::EventLoop& loop, Handler& handler, ServerOptions options)
    : impl_(std::make_unique<Impl>(loop, handler, std::move(options))) {}

Server::~Server() {
  stop();
  *impl_->alive = false;
}

Result<std::uint16_t> Server::listen_tcp(std::string_view host_port) {
  return impl_->listen(host_port, ListenerKind::plain, nullptr);
}

Result<std::uint16_t> Server::listen_tls(std::string_view host_port,
                                         std::shared_ptr<net::TlsServerContext> tls) {
  return impl_->listen(host_port, ListenerKind::tls, std::move(tls));
}

Result<std::uint16_t> Server::listen_websocket(std::string_view host_port,
                                               std::shared_ptr<net::TlsServerContext> tls) {
  return impl_->listen(host_port, ListenerKind::websocket, std::move(tls));
}

void Server::stop() {
  for (auto& acceptor : impl_->acceptors) {
    error_code ignored;
    acceptor->close(ignored);
  }
  impl_->acceptors.clear();
  // close() calls back into on_finished, which erases from the map: iterate over a copy.
  std::vector<std::shared_ptr<Session>> open;
  for (auto& [id, weak] : impl_->sessions)
    if (auto s = weak.lock()) open.push_back(std::move(s));
  for (auto& s : open)
    s->close_with(CloseReason::server_closed, disconnect_reason::server_shutting_down, "server stopping");
  impl_->sessions.clear();
  impl_->unauthenticated.clear();
}

std::size_t Server::connection_count() const { return impl_->sessions.size(); }

}  // namespace outpost::mqtt

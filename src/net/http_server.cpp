// HttpServer: the listeners — TCP, TLS and unix sockets — each an accept loop that starts
// an HttpSession (http_session.h) per connection.
#include "outpost/net/http_server.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <fmt/format.h>

#include "http_session.h"
#include "net_internal/acceptor.h"
#include "net_internal/asio_loop.h"
#include "net_internal/http_takeover.h"

namespace outpost::net {

using tcp = asio::ip::tcp;
using unix_socket = asio::local::stream_protocol;
using boost::system::error_code;

struct HttpServer::Impl {
  Impl(EventLoop& loop, HttpHandler handler, HttpServerOptions options)
      : io(asio_context(loop)),
        context(std::make_shared<HttpSessionContext>(HttpSessionContext{std::move(handler), options})) {}
  asio::io_context& io;
  std::shared_ptr<HttpSessionContext> context;
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors;
  std::vector<std::shared_ptr<unix_socket::acceptor>> unix_acceptors;
  std::vector<std::filesystem::path> socket_files;  // removed on stop()
};

namespace {

std::string describe(const tcp::socket& socket) {
  error_code ec;
  const auto ep = socket.remote_endpoint(ec);
  return ec ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
}

template <typename Stream, typename... Args>
void start_session(asio::io_context& io, Args&&... args) {
  auto session = std::make_shared<HttpSession<Stream>>(std::forward<Args>(args)...);
  asio::co_spawn(io, [session] { return session->run(); }, asio::detached);
}

// Accepts until the acceptor closes or the server stops; each connection goes to `serve`.
template <typename Acceptor, typename Serve>
asio::awaitable<void> accept_loop(std::shared_ptr<HttpSessionContext> server, std::shared_ptr<Acceptor> acceptor,
                                  Serve serve) {
  while (acceptor->is_open() && !server->stopped) {
    error_code ec;
    auto socket = co_await acceptor->async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || server->stopped) co_return;
      spdlog::warn("http: accept failed: {}", ec.message());
      continue;
    }
    serve(std::move(socket));
  }
}

// The kernel's word on who is calling (SO_PEERCRED): what the workload API authorizes by.
std::optional<PeerCredentials> peer_of(unix_socket::socket& socket) {
  ucred cred{};
  socklen_t length = sizeof cred;
  if (::getsockopt(socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &length) != 0) return std::nullopt;
  return PeerCredentials{static_cast<std::int64_t>(cred.pid), cred.uid, cred.gid};
}

// A socket file left by a process that is gone is removed; one that a live process serves is
// not taken over; anything else at that path is not ours to delete.
Status clear_socket_path(asio::io_context& io, const std::filesystem::path& path) {
  std::error_code fs_error;
  const auto status = std::filesystem::symlink_status(path, fs_error);
  if (fs_error || status.type() == std::filesystem::file_type::not_found) return {};
  if (status.type() != std::filesystem::file_type::socket)
    return make_error(ErrorKind::invalid_input, fmt::format("{} exists and is not a socket", path.string()));
  unix_socket::socket probe(io);
  error_code ec;
  probe.connect(unix_socket::endpoint(path.string()), ec);
  if (!ec) return make_error(ErrorKind::unavailable, fmt::format("{} is served by another process", path.string()));
  std::filesystem::remove(path, fs_error);
  if (fs_error)
    return make_error(ErrorKind::io, fmt::format("cannot remove the stale socket {}: {}", path.string(), fs_error.message()));
  return {};
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
  auto& io = impl_->io;
  auto serve = [&io, server = impl_->context, tls = std::move(tls)](tcp::socket socket) {
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    const auto remote = describe(socket);
    if (tls) {
      using Ssl = beast::ssl_stream<beast::tcp_stream>;
      start_session<Ssl>(io, server, Ssl(beast::tcp_stream(std::move(socket)), ssl_context(*tls)), remote);
    } else {
      start_session<beast::tcp_stream>(io, server, beast::tcp_stream(std::move(socket)), remote);
    }
  };
  asio::co_spawn(io, accept_loop(impl_->context, acceptor, std::move(serve)), asio::detached);
  return acceptor->local_endpoint().port();
}

Status HttpServer::listen_unix(const std::filesystem::path& path, std::filesystem::perms mode) {
  // sun_path holds 107 bytes and a NUL; a longer path would be cut short silently.
  if (path.native().size() > 107)
    return make_error(fmt::format("{}: a unix socket path has at most 107 bytes", path.string()));
  if (auto cleared = clear_socket_path(impl_->io, path); !cleared) return cleared.failure();
  auto acceptor = std::make_shared<unix_socket::acceptor>(impl_->io);
  error_code ec;
  acceptor->open(unix_socket(), ec);
  if (!ec) acceptor->bind(unix_socket::endpoint(path.string()), ec);
  if (ec) return make_error(ErrorKind::io, fmt::format("cannot listen on {}: {}", path.string(), ec.message()));
  impl_->socket_files.push_back(path);
  std::error_code fs_error;
  std::filesystem::permissions(path, mode, fs_error);
  if (!fs_error) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (fs_error || ec)
    return make_error(ErrorKind::io, fmt::format("cannot listen on {}: {}", path.string(),
                                                 fs_error ? fs_error.message() : ec.message()));
  impl_->unix_acceptors.push_back(acceptor);
  auto& io = impl_->io;
  auto serve = [&io, server = impl_->context](unix_socket::socket socket) {
    using UnixStream = beast::basic_stream<unix_socket>;
    const auto peer = peer_of(socket);
    const auto remote = peer ? fmt::format("pid {}", peer->pid) : std::string("unix socket");
    start_session<UnixStream>(io, server, UnixStream(std::move(socket)), remote, peer);
  };
  asio::co_spawn(io, accept_loop(impl_->context, acceptor, std::move(serve)), asio::detached);
  return {};
}

void HttpServer::stop() {
  impl_->context->stopped = true;
  error_code ignored;
  for (auto& a : impl_->acceptors) a->close(ignored);
  for (auto& a : impl_->unix_acceptors) a->close(ignored);
  impl_->acceptors.clear();
  impl_->unix_acceptors.clear();
  for (const auto& file : impl_->socket_files) {
    std::error_code fs_ignored;
    std::filesystem::remove(file, fs_ignored);
  }
  impl_->socket_files.clear();
}

}  // namespace outpost::net

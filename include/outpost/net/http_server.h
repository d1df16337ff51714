// A small HTTP/1.1 server (Boost.Beast) for every API we serve: metrics, the hub's local
// management API, the cloud's service REST API, the daemon's APIs on unix sockets. Handlers are transport-free: they get an
// HttpRequest and answer through an HttpResponder, now or later (e.g. after a device
// replies to a direct method), or stream a chunked response (server-sent events).
// Handlers run on the EventLoop's thread.
#pragma once
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "outpost/core/result.h"
#include "outpost/net/event_loop.h"
#include "outpost/net/tls.h"

namespace outpost::net {

// Who is on the other end of a unix socket, as the kernel says (SO_PEERCRED).
struct PeerCredentials {
  std::int64_t pid = 0;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
};

struct HttpRequest {
  std::string method;  // "GET", "PUT", ...
  std::string target;  // as sent: path + query
  std::string path;    // percent-decoded path, without the query
  std::map<std::string, std::string> query;  // decoded parameters
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_address;              // "ip:port", or "pid N" on a unix socket
  std::optional<PeerCredentials> peer;     // unix sockets only
  // HTTPS on a listener that asks for client certificates: what the client presented.
  std::shared_ptr<const ClientCertificate> client_certificate;

  std::optional<std::string> header(std::string_view name) const;  // case-insensitive
  std::optional<std::string> query_param(const std::string& name) const;
  std::vector<std::string> path_segments() const;  // "/twins/d/modules/m" -> {twins, d, modules, m}
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  static HttpResponse text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
  static HttpResponse json(int status, std::string json_body);
  HttpResponse& with_header(std::string name, std::string value);
};

// A chunked response body written piece by piece; closing it ends the response.
class HttpStream {
 public:
  virtual ~HttpStream() = default;
  virtual void write(std::string chunk) = 0;
  virtual void close() = 0;
  virtual bool open() const = 0;  // false once the client has gone
  // Called once when the client disconnects or the stream is closed.
  virtual void on_close(std::function<void()> callback) = 0;
};

class HttpResponder {
 public:
  struct Target;
  explicit HttpResponder(std::shared_ptr<Target> target) : target_(std::move(target)) {}
  // A responder bound to no connection: the response goes to `on_response` on `loop`'s
  // thread (once, the first one sent). Drives handlers without a socket, as tests do.
  // Streams are not supported.
  static HttpResponder to_callback(EventLoop& loop, std::function<void(HttpResponse)> on_response);
  void send(HttpResponse response) const;
  std::shared_ptr<HttpStream> stream(int status, std::vector<std::pair<std::string, std::string>> headers) const;

 private:
  std::shared_ptr<Target> target_;
};

using HttpHandler = std::function<void(HttpRequest&&, HttpResponder)>;

struct HttpServerOptions {
  std::size_t max_body_bytes = 1 << 20;
  std::chrono::seconds idle_timeout{120};
};

class HttpServer {
 public:
  HttpServer(EventLoop& loop, HttpHandler handler, HttpServerOptions options = {});
  ~HttpServer();
  // Plain HTTP, or HTTPS when `tls` is given. Returns the bound port.
  Result<std::uint16_t> listen(std::string_view host_port, std::shared_ptr<TlsServerContext> tls = nullptr);
  // HTTP on a unix socket at `path`, created with `mode`; requests carry the caller's
  // PeerCredentials. A stale socket file there is replaced; one a live process serves, or a
  // file that is not a socket, is an error. stop() removes the file.
  Status listen_unix(const std::filesystem::path& path,
                     std::filesystem::perms mode = std::filesystem::perms::owner_read |
                                                   std::filesystem::perms::owner_write |
                                                   std::filesystem::perms::group_read |
                                                   std::filesystem::perms::group_write);
  void stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace outpost::net

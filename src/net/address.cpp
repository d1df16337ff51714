#include "outpost/net/address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include <fmt/format.h>

namespace outpost::net {

std::string HostPort::to_string() const {
  if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

Result<HostPort> parse_host_port(std::string_view text) {
  HostPort out;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return make_error(fmt::format("'{}' is not [ipv6]:port", text));
    out.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos)
      return make_error(fmt::format("'{}' has no port (expected host:port)", text));
    out.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    if (out.host.find(':') != std::string::npos)
      return make_error(fmt::format("'{}': write IPv6 addresses as [addr]:port", text));
  }
  if (out.host.empty()) return make_error(fmt::format("'{}' has no host", text));
  unsigned value = 0;
  const auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
  if (port_text.empty() || ec != std::errc{} || ptr != port_text.data() + port_text.size() ||
      value > 65535)
    return make_error(fmt::format("'{}': port must be a number from 0 to 65535", text));
  out.port = static_cast<std::uint16_t>(value);
  return out;
}

Status check_listen_address(std::string_view text) {
  const auto address = parse_host_port(text);
  if (!address) return address.failure();
  sockaddr_storage storage{};
  socklen_t length = 0;
  if (auto* v4 = reinterpret_cast<sockaddr_in*>(&storage); ::inet_pton(AF_INET, address->host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(address->port);
    length = sizeof(sockaddr_in);
  } else if (auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
             ::inet_pton(AF_INET6, address->host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(address->port);
    length = sizeof(sockaddr_in6);
  } else {
    return make_error(fmt::format("'{}': listen on an IP address (such as 127.0.0.1 or 0.0.0.0), not a host name",
                                  text));
  }
  // A bind without listen() tells whether the address is local and the port allowed, and
  // is undone by close(). SO_REUSEADDR, as the listeners set it, so that a daemon binding
  // the same port at this moment is not refused because of the probe.
  const int fd = ::socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(fmt::format("'{}': {}", text, std::strerror(errno)));
  const int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  const int rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&storage), length);
  const int error = rc == 0 ? 0 : errno;
  ::close(fd);
  if (error == EADDRNOTAVAIL)
    return make_error(fmt::format("'{}': {} is not an address of this machine", text, address->host));
  if (error == EACCES)
    return make_error(fmt::format("'{}': port {} needs root (or CAP_NET_BIND_SERVICE)", text, address->port));
  if (error != 0 && error != EADDRINUSE) return make_error(fmt::format("'{}': {}", text, std::strerror(error)));
  return {};
}

std::optional<std::string> config_address(const ConfigNode& node, std::string_view key) {
  auto value = node.optional_string(key);
  if (value) {
    if (auto ok = check_listen_address(*value); !ok) node.child(key).report(ok.error());
  }
  return value;
}

}  // namespace outpost::net

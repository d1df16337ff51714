#include "outpost/net/address.h"

#include <charconv>

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

std::optional<std::string> config_address(const ConfigNode& node, std::string_view key) {
  auto value = node.optional_string(key);
  if (value) {
    auto parsed = parse_host_port(*value);
    if (!parsed) node.child(key).fail(parsed.error());
  }
  return value;
}

}  // namespace outpost::net

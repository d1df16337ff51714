// "host:port" listen/connect addresses as written in config files.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "outpost/core/config.h"
#include "outpost/core/result.h"

namespace outpost::net {

struct HostPort {
  std::string host;  // IPv4, IPv6 (without brackets) or a name
  std::uint16_t port = 0;
  std::string to_string() const;
};

// "127.0.0.1:1883", "[::1]:8883", "localhost:0". Errors name the problem.
Result<HostPort> parse_host_port(std::string_view text);

// What a listener will need, checked without listening: an IP address (not a name) of this
// machine, and a port this process may bind (below 1024 needs root). A port already in
// use is not an error here (the daemon may be running while its next config is checked).
Status check_listen_address(std::string_view text);

// An optional listen address ("host:port") in a config file; a malformed or unbindable one
// is reported at its line (node.report), and the value is returned as written.
std::optional<std::string> config_address(const ConfigNode& node, std::string_view key);

}  // namespace outpost::net

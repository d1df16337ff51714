// Reads ServerLimits (outpost/mqtt/server.h) from a config file's `limits:` block; hub.yaml
// and cloud.yaml share these keys, and each may add its own.
#pragma once
#include <array>
#include <string_view>

#include "outpost/core/config.h"
#include "outpost/mqtt/server.h"

namespace outpost::mqtt {

// The keys read_server_limits reads, for the caller's expect_only.
inline constexpr std::array<std::string_view, 4> kServerLimitKeys = {
    "max_connect_bytes", "max_unauthenticated_connections", "tls_handshake_timeout_secs", "connect_timeout_secs"};

// Absent keys keep their defaults; a value out of its range is reported on the node.
ServerLimits read_server_limits(const ConfigNode& limits);

}  // namespace outpost::mqtt

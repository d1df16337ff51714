#include "outpost/mqtt/server_limits.h"

#include <fmt/format.h>

namespace outpost::mqtt {

namespace {
// The integer at `key`, or `fallback`; outside [low, high] is reported and the fallback kept.
std::int64_t bounded(const ConfigNode& node, std::string_view key, std::int64_t fallback, std::int64_t low,
                     std::int64_t high) {
  std::int64_t value = fallback;
  node.attempt([&] {
    const auto read = node.integer_or(key, fallback);
    if (read < low || read > high) node.child(key).fail(fmt::format("must be between {} and {}", low, high));
    value = read;
  });
  return value;
}
}  // namespace

ServerLimits read_server_limits(const ConfigNode& limits) {
  ServerLimits out;
  // A CONNECT needs a few hundred bytes; below 1 KiB even a long SAS token would not fit.
  out.max_connect_bytes = static_cast<std::size_t>(
      bounded(limits, "max_connect_bytes", static_cast<std::int64_t>(out.max_connect_bytes), 1024, 1 << 20));
  out.max_unauthenticated_connections = static_cast<std::size_t>(bounded(
      limits, "max_unauthenticated_connections", static_cast<std::int64_t>(out.max_unauthenticated_connections), 1,
      1'000'000));
  out.tls_handshake_timeout = std::chrono::seconds(
      bounded(limits, "tls_handshake_timeout_secs", out.tls_handshake_timeout.count(), 1, 600));
  out.connect_timeout =
      std::chrono::seconds(bounded(limits, "connect_timeout_secs", out.connect_timeout.count(), 1, 3600));
  return out;
}

}  // namespace outpost::mqtt

#include "session_table.h"

#include <charconv>

#include <spdlog/spdlog.h>

namespace outpost::hub {

namespace {
constexpr std::string_view kSessionNamespace = "sessions";
}

std::optional<std::uint32_t> SessionTable::load(const std::string& client_id) {
  const auto read = kv_.get(kSessionNamespace, client_id);
  if (!read) {
    // Its subscriptions are unknown: the client is told there is no session and subscribes again.
    spdlog::error("hub: stored session of '{}' cannot be read: {}", client_id, read.error());
    return std::nullopt;
  }
  const auto& stored = *read;
  if (!stored) return std::nullopt;
  std::uint32_t bits = 0;
  if (std::from_chars(stored->data(), stored->data() + stored->size(), bits).ec != std::errc{}) {
    spdlog::warn("hub: stored session of '{}' is unreadable; starting it empty", client_id);
    return 0u;
  }
  return bits;
}

void SessionTable::save(const std::string& client_id, std::uint32_t subscriptions) {
  if (auto s = kv_.put(kSessionNamespace, client_id, std::to_string(subscriptions)); !s)
    spdlog::error("hub: cannot persist the session of '{}': {}", client_id, s.error());
}

void SessionTable::erase(const std::string& client_id) {
  if (auto s = kv_.erase(kSessionNamespace, client_id); !s)
    spdlog::error("hub: cannot delete the session of '{}': {}", client_id, s.error());
}

}  // namespace outpost::hub

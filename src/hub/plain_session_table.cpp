#include "plain_session_table.h"

#include <algorithm>
#include <charconv>
#include <cstdint>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "plain_broker.h"

namespace outpost::hub {

namespace {
constexpr std::string_view kNamespace = "plain_sessions";
constexpr std::string_view kQueuePrefix = "mqtt-session-";
}  // namespace

std::string plain_session_owner(bool plain_client, const std::string& user, const std::string& identity_id) {
  if (!plain_client) return "identity:" + identity_id;
  return user.empty() ? "anonymous" : "user:" + user;
}

std::string plain_session_queue_name(std::uint32_t slot) { return std::string(kQueuePrefix) + std::to_string(slot); }

std::optional<std::uint32_t> plain_session_slot_of_queue(std::string_view queue_name) {
  if (queue_name.substr(0, kQueuePrefix.size()) != kQueuePrefix) return std::nullopt;
  const auto digits = queue_name.substr(kQueuePrefix.size());
  if (digits.size() > 1 && digits[0] == '0') return std::nullopt;  // only names this hub writes
  std::uint32_t slot = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), slot);
  if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  return slot;
}

Result<StoredPlainSession> parse_stored_plain_session(const std::string& client_id, std::string_view value) {
  // Nesting is bounded: nothing stored here is deeper than 2, and a damaged file must not
  // recurse without end.
  int depth = 0;
  const auto j = nlohmann::json::parse(value, [&depth](int d, nlohmann::json::parse_event_t, nlohmann::json&) {
    depth = std::max(depth, d);
    return d <= 3;
  }, /*allow_exceptions=*/false);
  if (j.is_discarded() || depth > 3 || !j.is_object()) return make_error("not a JSON object");
  StoredPlainSession s;
  s.client_id = client_id;
  const auto owner = j.find("owner");
  const auto slot = j.find("slot");
  const auto filters = j.find("filters");
  if (owner == j.end() || !owner->is_string()) return make_error("no owner");
  if (slot == j.end() || !slot->is_number_unsigned() || slot->get<std::uint64_t>() > UINT32_MAX)
    return make_error("no valid slot");
  if (filters == j.end() || !filters->is_object()) return make_error("no filters");
  s.owner = owner->get<std::string>();
  s.slot = slot->get<std::uint32_t>();
  if (const auto expiry = j.find("expiry"); expiry != j.end()) {
    if (!expiry->is_number_unsigned() || expiry->get<std::uint64_t>() > UINT32_MAX) return make_error("bad expiry");
    s.expiry = expiry->get<std::uint32_t>();
  }
  for (const auto& [filter, packed] : filters->items()) {
    const auto options = packed.is_number_unsigned() ? PlainFilter::unpack(packed.get<std::uint64_t>()) : std::nullopt;
    if (!options) return make_error("filter '" + filter + "': bad QoS or options");
    s.filters[filter] = *options;
  }
  return s;
}

std::vector<StoredPlainSession> PlainSessionTable::load_all() {
  std::vector<StoredPlainSession> out;
  auto rows = kv_.list(kNamespace);
  if (!rows) {
    spdlog::error("hub: persistent MQTT sessions cannot be read from state.db: {}", rows.error());
    return out;
  }
  for (auto& [client_id, value] : *rows) {
    auto session = parse_stored_plain_session(client_id, value);
    if (session) {
      out.push_back(std::move(*session));
      continue;
    }
    spdlog::error("hub: the stored MQTT session of '{}' is unreadable ({}); it is dropped", client_id, session.error());
    erase(client_id);
  }
  return out;
}

bool PlainSessionTable::save(const PlainSession& session) {
  nlohmann::json filters = nlohmann::json::object();
  for (const auto& [filter, options] : session.filters) filters[filter] = options.packed();
  nlohmann::json j{{"owner", session.owner}, {"slot", session.slot}, {"filters", std::move(filters)}};
  if (session.expiry != PlainSession::kNever) j["expiry"] = session.expiry;  // MQTT 5 Session Expiry Interval
  if (auto s = kv_.put(kNamespace, session.client_id, j.dump()); !s) {
    spdlog::error("hub: cannot persist the MQTT session of '{}': {}", session.client_id, s.error());
    return false;
  }
  return true;
}

void PlainSessionTable::erase(const std::string& client_id) {
  if (auto s = kv_.erase(kNamespace, client_id); !s)
    spdlog::error("hub: cannot delete the MQTT session of '{}': {}", client_id, s.error());
}

}  // namespace outpost::hub

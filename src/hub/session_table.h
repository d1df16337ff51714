// MQTT sessions with cleanSession=0: what a client id was subscribed to, kept across
// reconnects *and* hub restarts — the official SDKs never re-subscribe the twin topics.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "outpost/kv/kv_database.h"

namespace outpost::hub {

class SessionTable {
 public:
  explicit SessionTable(kv::KvDatabase& kv) : kv_(kv) {}
  // The subscription bitmask (iothub::SubscriptionKind bits) of a persistent session.
  std::optional<std::uint32_t> load(const std::string& client_id);
  void save(const std::string& client_id, std::uint32_t subscriptions);
  void erase(const std::string& client_id);

 private:
  kv::KvDatabase& kv_;
};

}  // namespace outpost::hub

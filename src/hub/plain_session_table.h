// Persistent plain MQTT sessions (cleanSession=0) in state.db, so they survive a hub restart or
// kill -9: per client id, who owns the session, its store queue slot and its subscriptions.
// Written when a persistent session starts and whenever its subscriptions change, before the
// CONNACK or SUBACK that tells the client so. Queued messages are in the message store, in
// the slot's queue ("mqtt-session-{slot}"): slots are reused, so the store's queue names stay
// bounded by max_persistent_sessions however many client ids come and go.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plain_filter.h"
#include "outpost/core/result.h"
#include "outpost/kv/kv_database.h"

namespace outpost::hub {

struct PlainSession;

struct StoredPlainSession {
  std::string client_id;
  std::string owner;
  std::uint32_t slot = 0;
  std::map<std::string, PlainFilter> filters;
  std::uint32_t expiry = 0xFFFFFFFF;  // PlainSession::expiry; records without one never expire
};

// Who a session belongs to: a client that connects with the same client id but is someone
// else does not get its messages (its old session is discarded, session present = 0).
std::string plain_session_owner(bool plain_client, const std::string& user, const std::string& identity_id);

// A session as state.db holds it (JSON: owner, slot, filters, expiry if it has one), or what
// is wrong with it.
Result<StoredPlainSession> parse_stored_plain_session(const std::string& client_id, std::string_view value);

std::string plain_session_queue_name(std::uint32_t slot);
// The slot of a store queue named plain_session_queue_name(slot); nullopt for any other name.
std::optional<std::uint32_t> plain_session_slot_of_queue(std::string_view queue_name);

class PlainSessionTable {
 public:
  explicit PlainSessionTable(kv::KvDatabase& kv) : kv_(kv) {}
  // Every stored session; unreadable ones are logged and left out (their slots are freed).
  std::vector<StoredPlainSession> load_all();
  // False (logged) when state.db cannot take it: the session then is not persistent.
  bool save(const PlainSession& session);
  void erase(const std::string& client_id);

 private:
  kv::KvDatabase& kv_;
};

}  // namespace outpost::hub

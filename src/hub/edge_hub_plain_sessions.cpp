// EdgeHub: persistent plain MQTT sessions (cleanSession=0; docs/HUB.md, "Plain MQTT"). Their
// subscriptions are in state.db (PlainSessionTable) and stay matched while the client is away;
// their QoS 1/2 messages wait in a store queue of their own and go out through a
// PlainSessionDelivery while it is connected. A clean session lives as long as its connection.
#include <spdlog/spdlog.h>

#include "edge_hub.h"
#include "plain_session_delivery.h"

namespace outpost::hub {

void EdgeHub::restore_plain_sessions() {
  std::size_t restored = 0;
  for (auto& stored : plain_session_table_.load_all()) {
    if (plain_slots_.count(stored.slot) > 0) {
      spdlog::error("hub: stored MQTT session of '{}' claims queue slot {}, already taken; it is dropped",
                    stored.client_id, stored.slot);
      plain_session_table_.erase(stored.client_id);
      continue;
    }
    auto& session = plain_.open(stored.client_id);
    session.owner = stored.owner;
    session.slot = stored.slot;
    session.queue = store_.queue(plain_session_queue_name(stored.slot));
    session.expiry = stored.expiry;
    plain_.set_persistent(session, true);
    plain_slots_.insert(stored.slot);
    arm_plain_session_expiry(session);  // its client is away: from now (edge_hub_plain_expiry.cpp)
    for (const auto& [filter, options] : stored.filters)
      if (const auto g = plain_.subscribe(session, filter, options); g.code == mqtt::kSubackFailure)
        spdlog::warn("hub: the stored subscription of '{}' to '{}' is not restored: {}", stored.client_id, filter,
                     g.refused);
    ++restored;
  }
  // A session that ended just before a crash may have left messages in its slot's queue.
  for (const auto& q : store_.stats()) {
    const auto slot = plain_session_slot_of_queue(q.name);
    if (!slot || plain_slots_.count(*slot) > 0 || q.length == 0) continue;
    const auto n = drain_queue(q.id);
    spdlog::warn("hub: dropped {} messages queued for an MQTT session that no longer exists (queue '{}')", n, q.name);
    metrics_.dropped("session_discarded", "", "").inc(static_cast<double>(n));
  }
  if (restored > 0) spdlog::info("hub: {} persistent MQTT sessions restored", restored);
}

bool EdgeHub::open_plain_session(const mqtt::ConnectionPtr& c, const ClientState& client, bool clean_session,
                                 bool& session_present) {
  session_present = false;
  cancel_plain_timers(client.id);
  const auto owner = plain_session_owner(client.plain, client.user, client.identity.id());
  auto* session = plain_.find(client.id);
  if (session && session->persistent && session->owner != owner) {
    spdlog::warn("hub: '{}' connected as someone else than the owner of its stored MQTT session; it starts afresh",
                 client.id);
    end_plain_session(*session, "its client id connected as someone else");
    session = nullptr;
  } else if (session && (clean_session || !session->persistent)) {
    end_plain_session(*session, "its client connected with a clean session");
    session = nullptr;
  }
  if (session) {
    session_present = true;
    // Subscriptions made under an earlier policy are checked against today's.
    bool changed = drop_disallowed_filters(*session, client);
    if (session->expiry != client.session_expiry) {
      session->expiry = client.session_expiry;  // this CONNECT's (0: it ends with this connection)
      changed = true;
    }
    if (changed) save_plain_session(*session);
    attach_plain_session(c, *session);
    return true;
  }
  // An IoT Hub identity gets a plain session at its first plain subscription (most never make one).
  if (!client.plain) return true;
  auto& fresh = plain_.open(client.id);
  fresh.owner = owner;
  fresh.expiry = client.session_expiry;
  // MQTT 5 may start a persistent session with Clean Start 1: the interval decides, not the flag.
  if (client.session_expiry > 0 && !make_persistent(fresh)) {
    plain_.close(client.id);
    return false;
  }
  attach_plain_session(c, fresh);
  return true;
}

PlainSession* EdgeHub::plain_session_for(const mqtt::ConnectionPtr& c, const ClientState& client) {
  if (auto* session = plain_.find(client.id)) return session;
  auto& fresh = plain_.open(client.id);
  fresh.owner = plain_session_owner(client.plain, client.user, client.identity.id());
  fresh.expiry = client.session_expiry;
  if (client.session_expiry > 0 && !make_persistent(fresh)) {
    plain_.close(client.id);
    return nullptr;
  }
  attach_plain_session(c, fresh);
  return &fresh;
}

bool EdgeHub::make_persistent(PlainSession& session) {
  const auto limit = settings_.mqtt_broker.max_persistent_sessions;
  if (plain_.persistent_sessions() >= limit) {
    spdlog::warn("hub: no persistent MQTT session for '{}': {} are kept, the limit (max_persistent_sessions)",
                 session.client_id, limit);
    return false;
  }
  std::uint32_t slot = 0;
  for (const auto used : plain_slots_) {  // the lowest free slot: queue names are reused
    if (used != slot) break;
    ++slot;
  }
  session.slot = slot;
  session.queue = store_.queue(plain_session_queue_name(slot));
  if (!plain_session_table_.save(session)) return false;
  plain_slots_.insert(slot);
  plain_.set_persistent(session, true);
  return true;
}

void EdgeHub::attach_plain_session(const mqtt::ConnectionPtr& c, PlainSession& session) {
  session.connection = c;
  if (!session.persistent) return;
  session.delivery = std::make_shared<PlainSessionDelivery>(store_, plain_, session.id, c, settings_.delivery_window,
                                                            metrics_.dropped("ttl_expiry", "", ""));
  // After the CONNACK: nothing may be published before it.
  loop_.post([delivery = std::weak_ptr<PlainSessionDelivery>(session.delivery)] {
    if (auto d = delivery.lock()) d->pump();
  });
}

void EdgeHub::detach_plain_session(const mqtt::ConnectionPtr& c, const ClientState& client) {
  auto* session = plain_.find(client.id);
  if (!session || session->connection.lock() != c) return;  // taken over: the session has a new connection
  session->connection.reset();
  // The delivery may be on the call stack (a write that failed inside its pump): freed later.
  if (session->delivery) loop_.post([d = std::move(session->delivery)] {});
  if (!session->persistent) return plain_.close(client.id);
  leave_persistent_session(*session, c->disconnect_session_expiry().value_or(client.session_expiry));
}

void EdgeHub::end_plain_session(PlainSession& session, std::string_view why) {
  const auto client_id = session.client_id;
  plain_expiry_timers_.cancel(client_id);
  if (session.persistent) {
    if (const auto n = drain_queue(session.queue); n > 0) {
      spdlog::warn("hub: dropped {} messages queued for MQTT client '{}': {}", n, client_id, why);
      metrics_.dropped("session_discarded", "", "").inc(static_cast<double>(n));
    }
    plain_slots_.erase(session.slot);
    plain_session_table_.erase(client_id);
  }
  if (session.delivery) loop_.post([d = std::move(session.delivery)] {});
  plain_.close(client_id);
}

void EdgeHub::save_plain_session(const PlainSession& session) {
  if (session.persistent) plain_session_table_.save(session);
}

std::uint64_t EdgeHub::drain_queue(store::QueueId queue) {
  std::uint64_t n = 0;
  store::Sequence after = 0;
  for (;;) {
    const auto batch = store_.read(queue, after, 1024);
    if (batch.empty()) return n;
    for (const auto& entry : batch) {
      store_.ack(queue, entry.seq);
      after = entry.seq;
      ++n;
    }
  }
}

}  // namespace outpost::hub

// EdgeHub: MQTT 5 timing of plain sessions and wills (docs/HUB.md, "MQTT 5"). A persistent
// session whose client left ends Session Expiry Interval seconds later unless the client
// returns (§3.1.2.11.2); a will with a Will Delay Interval waits that long, or until its
// session ends, and is not sent if the client returns (§3.1.3.2.2). One ClientTimers entry per
// absent client. The interval is in the session's state.db record: after a restart the timer
// starts again from the hub's start (the time the client was away before it is not known).
#include <algorithm>

#include <spdlog/spdlog.h>

#include "edge_hub.h"
#include "plain_properties.h"

namespace outpost::hub {

std::uint32_t EdgeHub::session_expiry_of(const mqtt::ConnectPacket& p) {
  if (p.v5()) return p.properties.session_expiry_interval.value_or(0);
  return p.clean_session ? 0 : PlainSession::kNever;
}

void EdgeHub::leave_persistent_session(PlainSession& session, std::uint32_t expiry) {
  if (expiry == 0) {
    // A CONNECT or DISCONNECT with Session Expiry Interval 0: the session ends with the connection.
    spdlog::info("hub: the MQTT session of '{}' ended with its connection (Session Expiry Interval 0)",
                 session.client_id);
    end_plain_session(session, "Session Expiry Interval 0");
    return;
  }
  if (expiry != session.expiry) {
    session.expiry = expiry;  // the DISCONNECT's own interval
    save_plain_session(session);
  }
  arm_plain_session_expiry(session);
}

void EdgeHub::arm_plain_session_expiry(const PlainSession& session) {
  if (session.expiry == PlainSession::kNever) return;
  plain_expiry_timers_.arm(session.client_id, std::chrono::seconds(session.expiry),
                           [this, client_id = session.client_id] { expire_plain_session(client_id); });
}

void EdgeHub::expire_plain_session(const std::string& client_id) {
  // The session ends: a will still waiting out its delay goes now ("whichever first").
  plain_will_timers_.fire(client_id);
  auto* session = plain_.find(client_id);
  if (!session || !session->persistent || session->online()) return;
  spdlog::info("hub: the MQTT session of '{}' ended: expired ({} s after its client left)", client_id,
               session->expiry);
  end_plain_session(*session, "expired");
}

void EdgeHub::cancel_plain_timers(const std::string& client_id) {
  plain_expiry_timers_.cancel(client_id);
  if (plain_will_timers_.cancel(client_id))
    spdlog::info("hub: the delayed will of '{}' is not published: its client connected again", client_id);
}

bool EdgeHub::hold_plain_will(const ClientState& client) {
  const auto delay = client.will->properties.will_delay_interval.value_or(0);
  if (delay == 0) return false;
  const auto* session = plain_.find(client.id);
  if (!session || !session->persistent || session->online()) return false;  // ended with its connection
  const auto wait = std::min(delay, session->expiry);
  spdlog::info("hub: the will of '{}' is published in {} s unless its client connects again", client.id, wait);
  plain_will_timers_.arm(client.id, std::chrono::seconds(wait),
                         [this, id = client.id, label = client.label, will = *client.will] {
                           send_plain_will(id, label, will);
                         });
  return true;
}

void EdgeHub::send_plain_will(const std::string& client_id, const std::string& label, const mqtt::Will& will) {
  spdlog::info("hub: publishing the will of '{}' on '{}'", client_id, will.topic);
  PlainPublish publish{.topic = will.topic, .payload = will.payload, .qos = will.qos, .retain = will.retain};
  if (auto passed = passed_on(will.properties, unix_now_ms()); !passed.empty())  // MQTT 5: passed on too
    publish.properties = std::make_shared<const PlainProperties>(std::move(passed));
  deliver_plain({}, label, publish, 0);
}

}  // namespace outpost::hub

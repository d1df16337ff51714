// Plain MQTT topics beside IoT Hub's (issue 14): sessions by client id, who subscribed to what
// (SubscriptionTrie), retained messages (RetainedMessages), and which sessions a publish
// reaches at what QoS (the lower of the publish's and the best matching subscription's).
//
// A session belongs to a client id. A clean one lives while its connection does; a persistent
// one (cleanSession=0) outlives it: its subscriptions stay in the trie while the client is away,
// and its QoS 1/2 messages wait in its own store queue (a numbered slot, plain_session_slots.h).
// EdgeHub decides how each matched session is served (live or through the store); this class
// holds the state only. QoS is granted as asked, up to 2; each session may hold
// max_subscriptions_per_client filters; retained messages are capped (retained_messages.h).
// Threading: the hub's loop only.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "mqtt_broker_config.h"
#include "plain_filter.h"
#include "plain_properties.h"
#include "retained_messages.h"
#include "subscription_trie.h"
#include "outpost/mqtt/server.h"
#include "outpost/store/message_store.h"

namespace outpost::hub {

class PlainSessionDelivery;

struct PlainSession {
  std::uint64_t id = 0;  // its subscriber id in the trie
  std::string client_id;
  std::string owner;  // who may resume it: plain_session_owner() of the client that made it
  bool persistent = false;
  // Persistent: seconds it outlives its connection (MQTT 5 Session Expiry Interval); kNever for
  // MQTT 3.1.1's cleanSession=0, kept until a clean CONNECT.
  static constexpr std::uint32_t kNever = 0xFFFFFFFF;
  std::uint32_t expiry = kNever;
  std::uint32_t slot = 0;      // persistent: its store queue is plain_session_queue_name(slot)
  store::QueueId queue = 0;    // persistent: that queue
  std::weak_ptr<mqtt::Connection> connection;  // empty while its client is away
  std::map<std::string, PlainFilter> filters;  // by filter ($share/{group}/{filter} for shared ones)
  std::size_t with_ids = 0;  // how many of them carry a subscription identifier
  std::shared_ptr<PlainSessionDelivery> delivery;  // persistent and connected: sends its queue
  bool queue_full_logged = false;  // the first refusal at the queue cap is a warning, the rest debug

  mqtt::ConnectionPtr online() const {
    auto c = connection.lock();
    return c && c->open() ? c : nullptr;
  }
  // The QoS a message published at `qos` on `topic` reaches this session at: the lower of the
  // two, the subscription's being the highest among its filters matching `topic`. nullopt when
  // no filter matches (it unsubscribed after the message was queued).
  std::optional<std::uint8_t> qos_for(std::string_view topic, std::uint8_t qos) const;
  // The subscription identifiers of its filters matching `topic` (§3.3.4), in filter order;
  // `own_publish`: the session published it, so its No Local filters did not match.
  std::vector<std::uint32_t> subscription_ids_for(std::string_view topic, bool own_publish = false) const;
};

class PlainBroker {
 public:
  explicit PlainBroker(const MqttBrokerConfig& limits);
  ~PlainBroker();

  // The session of `client_id`, created (clean, empty) if there is none.
  PlainSession& open(const std::string& client_id);
  PlainSession* find(const std::string& client_id);
  // Ends a session: its subscriptions go. The caller frees its queue first if it had one.
  void close(const std::string& client_id);
  std::size_t persistent_sessions() const { return persistent_; }
  void set_persistent(PlainSession& session, bool persistent);
  std::vector<PlainSession*> sessions();

  struct Granted {
    std::uint8_t code = mqtt::kSubackFailure;  // granted QoS, or kSubackFailure
    std::string refused;                        // why, when refused
    std::uint8_t reason = mqtt::refusal::unspecified;  // for an MQTT 5 client, when refused
  };
  // `filter` may be a shared subscription, $share/{group}/{filter}: each message its filter
  // matches goes to one member of the group (the next connected one in turn; if none is, the
  // next persistent session, whose queue keeps it). `is_new`: whether the session lacked it.
  Granted subscribe(PlainSession& session, const std::string& filter, PlainFilter options, bool* is_new = nullptr);
  Granted subscribe(PlainSession& session, const std::string& filter, std::uint8_t qos) {
    return subscribe(session, filter, PlainFilter{.qos = qos});
  }
  // Returns whether the session had that filter.
  bool unsubscribe(PlainSession& session, const std::string& filter);
  // The retained messages matching `filter`, as they are now, at the QoS to send them: taken
  // when the subscription is made and sent after its SUBACK, so a message published in between
  // arrives once (live), not also as retained.
  struct RetainedDelivery {
    std::string topic;
    std::string payload;
    std::uint8_t qos = 0;
    std::shared_ptr<const PlainProperties> properties;  // nullptr: none
  };
  std::vector<RetainedDelivery> retained_for(const std::string& filter, std::uint8_t granted) const;

  // Keeps (or clears, with an empty payload) the retained message of `topic`; false when the
  // retained store is at its cap and `topic` is new.
  bool retain(std::string_view topic, std::string_view payload, std::uint8_t qos,
              std::shared_ptr<const PlainProperties> properties = nullptr);
  // Every session a message published on `topic` at `qos` reaches, once each, at its QoS. By
  // id, not pointer: serving one target may close a connection, and that may end a session.
  // `publisher`: the publishing session's id (its No Local filters skip it), 0 for none;
  // `retain`: the publish's RETAIN flag, kept for filters with Retain As Published.
  struct Target {
    std::uint64_t session;
    std::uint8_t qos;
    bool retain = false;
  };
  std::vector<Target> match(std::string_view topic, std::uint8_t qos, bool retain = false, std::uint64_t publisher = 0);
  PlainSession* session(std::uint64_t id);

  std::size_t subscriptions() const { return trie_.size(); }
  const RetainedMessages& retained() const { return retained_; }

 private:
  std::size_t max_subscriptions_;
  SubscriptionTrie trie_;
  RetainedMessages retained_;
  std::unordered_map<std::string, std::unique_ptr<PlainSession>> by_client_;
  std::unordered_map<std::uint64_t, PlainSession*> by_id_;
  std::uint64_t next_id_ = 1;
  std::size_t persistent_ = 0;
  struct SharedGroup {
    std::uint64_t id;      // its subscriber id in the trie (kSharedGroupBit set)
    std::string filter;    // what it matches
    std::string subscription;  // what its members subscribed to: $share/{group}/{filter}
    std::vector<std::uint64_t> members;  // session ids, in joining order
    std::size_t next = 0;  // round robin
  };
  std::uint64_t pick_member(SharedGroup& group);
  void leave_shared(PlainSession& session, const std::string& shared);
  std::map<std::string, SharedGroup, std::less<>> shared_;  // by "{group}/{filter}"
  std::unordered_map<std::uint64_t, SharedGroup*> shared_by_id_;
  std::uint64_t next_group_id_ = 1;

  struct Best {
    std::uint8_t qos;
    bool retain;
  };
  std::unordered_map<std::uint64_t, Best> best_;  // reused per match
};

}  // namespace outpost::hub

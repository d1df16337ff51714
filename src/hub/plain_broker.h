// Plain MQTT topics beside IoT Hub's (issue 14, slice 1): who subscribed to what
// (SubscriptionTrie), retained messages (RetainedMessages), and fan-out of a publish to the
// connected subscribers at the lower of the publish's and the subscription's QoS. Delivery is
// live and in memory: QoS 1 deliveries are re-sent only by the client's own session, and
// nothing is queued for a disconnected client (persistent sessions are the next step).
//
// QoS is granted as asked, up to 2 (QoS 2 deliveries: PUBREC/PUBREL/PUBCOMP in mqtt::Session). Each connection may
// hold max_subscriptions_per_client filters; retained messages are capped (retained_messages.h).
// Threading: the hub's loop only.
#pragma once
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "mqtt_broker_config.h"
#include "retained_messages.h"
#include "subscription_trie.h"
#include "outpost/mqtt/server.h"

namespace outpost::hub {

class PlainBroker {
 public:
  explicit PlainBroker(const MqttBrokerConfig& limits);

  struct Granted {
    std::uint8_t code = mqtt::kSubackFailure;  // granted QoS, or kSubackFailure
    std::string refused;                        // why, when refused
  };
  Granted subscribe(const mqtt::ConnectionPtr& c, const std::string& filter, std::uint8_t qos);
  void unsubscribe(const mqtt::Connection& c, const std::string& filter);
  void remove(const mqtt::Connection& c);  // all of a closed connection's subscriptions
  std::vector<std::string> filters_of(const mqtt::Connection& c) const;
  // The retained messages matching `filter`, as they are now, at the QoS to send them: taken
  // when the subscription is made and sent after its SUBACK, so a message published in between
  // arrives once (live), not also as retained.
  struct RetainedDelivery {
    std::string topic;
    std::string payload;
    std::uint8_t qos = 0;
  };
  std::vector<RetainedDelivery> retained_for(const std::string& filter, std::uint8_t granted) const;

  struct Published {
    std::size_t deliveries = 0;
    bool retain_refused = false;  // the retained store is at its cap
  };
  Published publish(std::string_view topic, std::string_view payload, std::uint8_t qos, bool retain);

  std::size_t subscriptions() const { return trie_.size(); }
  const RetainedMessages& retained() const { return retained_; }

 private:
  struct Subscriber {
    std::weak_ptr<mqtt::Connection> connection;
    std::set<std::string> filters;
  };
  std::size_t max_subscriptions_;
  SubscriptionTrie trie_;
  RetainedMessages retained_;
  std::unordered_map<std::uint64_t, Subscriber> subscribers_;  // by Connection::id()
  std::unordered_map<std::uint64_t, std::uint8_t> targets_;    // reused per publish
};

}  // namespace outpost::hub

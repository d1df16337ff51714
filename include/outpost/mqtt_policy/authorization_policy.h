// MQTT authorization policies (issue 14; docs/HUB.md "Authorization policies"): the
// `mqttBroker.authorizations` list of the `$edgeHub` twin (schema 1.2, IoT Edge's preview
// broker) and `mqtt_broker.authorizations` in hub.yaml, in one shape:
//
//   [ { "identities": ["{{iot:identity}}"],
//       "allow": [ { "operations": ["mqtt:connect"] } ] },
//     { "identities": ["myhub.azure-devices.net/sensor_1", "plc"],
//       "allow": [ { "operations": ["mqtt:publish", "mqtt:subscribe"], "resources": ["plant/{{iot:client_id}}/#"] } ],
//       "deny":  [ { "operations": ["mqtt:subscribe"], "resources": ["plant/secret/#"] } ] } ]
//
// Identities name who a statement is about: an IoT Hub identity `{hostname}/{device}[/{module}]`,
// a hub.yaml user's name, `$anonymous`, or a pattern with variables ("{{iot:identity}}" is every
// client). Resources are topic filters (none: every topic); variables are replaced by the
// requesting client's values: {{iot:identity}}, {{iot:device_id}}, {{iot:module_id}},
// {{iot:client_id}}, {{iot:this_device_id}}. A value holding '+' or '#' (a client id is the
// client's choice) makes that resource match nothing rather than widen it.
//
// Evaluation: a deny that applies wins over any allow; otherwise an allow that applies permits;
// otherwise nothing applies (the hub decides: see docs/HUB.md). A subscription is allowed only
// when one allowed resource covers its whole filter, and denied when a denied resource overlaps
// it (mqtt_codec/topic.h), so a client can never receive a topic it is denied.
//
// Threading: values; parse and evaluate from any thread.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "outpost/core/result.h"

namespace outpost::mqtt_policy {

enum class Operation : std::uint8_t { connect = 1, publish = 2, subscribe = 4 };

// The identity a policy sees for a client without a user name.
inline constexpr std::string_view kAnonymousIdentity = "$anonymous";

// Who asks, as the hub authenticated it.
struct Requester {
  std::string identity;   // "{hostname}/{device}[/{module}]", a user name, or kAnonymousIdentity
  std::string device_id;  // IoT Hub identities only
  std::string module_id;  // IoT Hub modules only
  std::string client_id;  // the MQTT client id
};

// One allow or deny rule of a statement.
struct Rule {
  bool allow = true;
  std::uint8_t operations = 0;         // Operation bits
  std::vector<std::string> resources;  // topic filter templates; empty: every topic
  std::string origin;                  // e.g. "mqttBroker.authorizations[2].deny[0]", for logs
};

struct Statement {
  std::vector<std::string> identities;  // templates
  std::vector<Rule> rules;
};

enum class Effect : std::uint8_t { allowed, denied, not_covered };

struct Decision {
  Effect effect = Effect::not_covered;
  std::string_view origin;  // the rule that decided (empty when not covered), valid with its ClientGrants
};

// A policy resolved for one client: its variables replaced, only the rules that name it.
// Cheap to consult per PUBLISH (a scan of its own filters).
class ClientGrants {
 public:
  Decision connect() const;
  Decision publish(std::string_view topic) const;
  Decision subscribe(std::string_view filter) const;

 private:
  friend class AuthorizationPolicy;
  struct Grant {
    bool allow = true;
    std::uint8_t operations = 0;
    std::optional<std::string> filter;  // nullopt: every topic
    std::string origin;
  };
  // The first deny among the grants of `operation` that `applies`, else the first allow.
  template <typename Applies>
  Decision decide(Operation operation, const Applies& applies) const;
  std::vector<Grant> grants_;
};

class AuthorizationPolicy {
 public:
  AuthorizationPolicy();
  // `list` is the JSON array; `path` names it in errors, e.g. "mqttBroker.authorizations".
  // Errors name the element: "mqttBroker.authorizations[1].allow[0].operations[0]: 'mqtt:pub'
  // is not an operation (mqtt:connect, mqtt:publish, mqtt:subscribe)".
  static Result<AuthorizationPolicy> parse(const nlohmann::json& list, std::string_view path);
  // Both policies' statements (hub.yaml's and the twin's), as one.
  static AuthorizationPolicy combine(const AuthorizationPolicy& a, const AuthorizationPolicy& b);

  // `this_device_id`: the edge device's id, for {{iot:this_device_id}}.
  ClientGrants for_client(const Requester& who, std::string_view this_device_id) const;
  std::size_t size() const { return statements_->size(); }

 private:
  std::shared_ptr<const std::vector<Statement>> statements_;
};

}  // namespace outpost::mqtt_policy

#include "mqtt_broker_config.h"

#include <fmt/format.h>

#include "password_hash.h"
#include "outpost/core/config.h"
#include "outpost/core/file_io.h"

namespace outpost::hub {
namespace {

MqttUser read_user(const ConfigNode& root, const ConfigNode& u) {
  u.expect_only({"name", "password_hash", "password_file"});
  MqttUser user;
  user.name = u.string("name");
  if (user.name.empty()) u.child("name").fail("must not be empty");
  // A policy names users by their name: '/' belongs to IoT Hub identities ({hostname}/{device}),
  // a leading '$' to names the hub reserves ($anonymous).
  if (user.name.find('/') != std::string::npos || user.name.front() == '$')
    u.child("name").fail(fmt::format("'{}': a user name may not contain '/' nor start with '$'", user.name));
  const auto hash = u.optional_string("password_hash");
  const auto file = u.optional_string("password_file");
  if (hash.has_value() == file.has_value()) u.fail("needs exactly one of password_hash and password_file");
  if (hash) {
    user.password_hash = *hash;
  } else {
    const auto path = resolve_config_path(root.file(), *file);
    auto text = read_whole_file(path, 4096);
    if (!text) u.child("password_file").fail(text.error());
    user.password_hash = *text;
    while (!user.password_hash.empty() && (user.password_hash.back() == '\n' || user.password_hash.back() == '\r'))
      user.password_hash.pop_back();
  }
  if (auto ok = check_password_hash(user.password_hash); !ok)
    u.child(hash ? "password_hash" : "password_file").fail(ok.error());
  return user;
}

std::size_t bounded(const ConfigNode& node, const char* key, std::size_t fallback, std::int64_t max) {
  const auto value = node.integer_or(key, static_cast<std::int64_t>(fallback));
  if (value < 1 || value > max) node.child(key).fail(fmt::format("must be between 1 and {}", max));
  return static_cast<std::size_t>(value);
}

}  // namespace

MqttBrokerConfig read_mqtt_broker_config(const ConfigNode& root) {
  MqttBrokerConfig c;
  const auto broker = root.child("mqtt_broker");
  if (!broker.defined()) return c;
  broker.expect_only({"users", "allow_anonymous", "max_subscriptions_per_client", "max_retained_messages",
                      "max_retained_bytes", "max_persistent_sessions", "max_queued_messages", "authorizations", "bridges"});
  broker.attempt([&] {
    c.bridges = read_bridge_configs(root, broker.child("bridges"), root.string_or("device_id", "edge"));
  });
  broker.attempt([&] {
    for (const auto& u : broker.child("users").items()) {
      u.attempt([&] {
        auto user = read_user(root, u);
        if (c.user(user.name)) u.child("name").fail(fmt::format("user '{}' is listed twice", user.name));
        c.users.push_back(std::move(user));
      });
    }
  });
  broker.attempt([&] {
    for (const auto& l : broker.child("allow_anonymous").items()) {
      l.attempt([&] {
        const auto name = l.as_string();
        if (name != "mqtt" && name != "mqtts" && name != "wss")
          l.fail(fmt::format("'{}': expected a listener name: mqtt, mqtts or wss", name));
        c.anonymous_listeners.push_back(name);
      });
    }
  });
  broker.attempt([&] {
    c.max_subscriptions_per_client = bounded(broker, "max_subscriptions_per_client", c.max_subscriptions_per_client, 10'000);
  });
  broker.attempt([&] { c.max_retained_messages = bounded(broker, "max_retained_messages", c.max_retained_messages, 1'000'000); });
  broker.attempt([&] { c.max_retained_bytes = bounded(broker, "max_retained_bytes", c.max_retained_bytes, 1LL << 30); });
  broker.attempt([&] {
    c.max_persistent_sessions = bounded(broker, "max_persistent_sessions", c.max_persistent_sessions, 1'000'000);
  });
  broker.attempt([&] { c.max_queued_messages = bounded(broker, "max_queued_messages", c.max_queued_messages, 10'000'000); });
  broker.attempt([&] {
    const auto node = broker.child("authorizations");
    if (!node.defined()) return;
    constexpr std::string_view kPath = "mqtt_broker.authorizations";
    auto policy = mqtt_policy::AuthorizationPolicy::parse(node.as_json(), kPath);
    if (!policy) {
      // The location already names the key: "hub.yaml:9:5: mqtt_broker.authorizations: [0].allow[0]…"
      std::string_view message = policy.error();
      if (message.starts_with(kPath)) message.remove_prefix(kPath.size());
      if (message.starts_with(": ")) message.remove_prefix(2);
      node.fail(message);
    }
    c.authorizations = std::move(*policy);
  });
  return c;
}

std::string listener_of_transport(const std::string& transport_name) {
  if (transport_name == "tcp") return "mqtt";
  if (transport_name == "tls") return "mqtts";
  return transport_name;  // "wss"
}

}  // namespace outpost::hub

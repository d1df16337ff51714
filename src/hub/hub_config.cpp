#include "hub_config.h"

#include <filesystem>

#include <fmt/format.h>

#include "outpost/core/config.h"
#include "outpost/core/file_io.h"
#include "outpost/core/config_checks.h"
#include "outpost/core/connection_string.h"
#include "outpost/core/encoding.h"
#include "outpost/core/log.h"
#include "outpost/mqtt/server_limits.h"
#include "outpost/net/address.h"
#include "outpost/net/tls_config.h"

namespace outpost::hub {
namespace {

// Each reader below records its problems in root.problems() and goes on where it can, so
// `--check` lists them all. A value with a problem is kept as written: the config is never
// used when there is a problem, and keeping it spares the reader follow-on errors.

void read_identity(const ConfigNode& root, HubConfig& c) {
  root.attempt([&] {
    c.hostname = root.optional_string("hostname").value_or(env_var("IOTEDGE_IOTHUBHOSTNAME").value_or(""));
    if (c.hostname.empty()) root.fail("missing required key 'hostname' (or IOTEDGE_IOTHUBHOSTNAME)");
  });
  root.attempt([&] {
    c.device_id = root.optional_string("device_id").value_or(env_var("IOTEDGE_DEVICEID").value_or(""));
    if (c.device_id.empty()) root.fail("missing required key 'device_id' (or IOTEDGE_DEVICEID)");
  });
  root.attempt([&] {
    c.gateway_hostname =
        root.optional_string("gateway_hostname").value_or(env_var("EDGEDEVICEHOSTNAME").value_or(""));
  });
}

void read_listen(const ConfigNode& root, HubConfig& c) {
  const auto listen = root.child("listen");
  listen.expect_only({"mqtt", "mqtts", "wss", "amqp", "amqps", "metrics", "https"});
  const auto address = [&](std::optional<std::string>& out, const char* key) {
    listen.attempt([&] { out = net::config_address(listen, key); });
  };
  address(c.listen_mqtt, "mqtt");
  address(c.listen_mqtts, "mqtts");
  address(c.listen_wss, "wss");
  address(c.listen_amqp, "amqp");
  address(c.listen_amqps, "amqps");
  address(c.listen_metrics, "metrics");
  address(c.listen_https, "https");
  if (!c.listen_mqtt && !c.listen_mqtts && !c.listen_wss && !c.listen_amqp && !c.listen_amqps)
    root.report("listen: at least one of mqtt, mqtts, wss, amqp, amqps is required");
}

void read_tls(const ConfigNode& root, HubConfig& c) {
  const auto tls = root.child("tls");
  tls.expect_only({"cert", "key", "device_ca_certs"});
  if (c.listen_mqtts || c.listen_wss || c.listen_amqps || c.listen_https) {
    if (!tls.defined()) root.fail("tls: cert and key are required by the mqtts/wss/amqps/https listeners");
    const auto files = net::config_tls_files(tls);
    c.tls_cert = files.cert_file;
    c.tls_key = files.key_file;
  }
  // The CAs of X.509 certificateAuthority leaf devices (IoT Hub's verified CA certificates).
  if (const auto node = tls.child("device_ca_certs"); node.defined()) {
    const auto file = resolve_config_path(root.file(), node.as_string());
    if (auto ok = net::check_ca_file(file); !ok) node.fail(ok.error());
    else if (auto pem = read_whole_file(file)) c.device_ca_pem = std::move(*pem);
    else node.fail(pem.error());
  }
}

void read_storage(const ConfigNode& root, HubConfig& c) {
  const auto storage = root.child("storage");
  storage.expect_only({"folder", "max_bytes", "fsync"});
  storage.attempt([&] {
    c.storage_folder = resolve_config_path(root.file(), storage.optional_string("folder").value_or(env_var("StorageFolder").value_or("")));
    if (c.storage_folder.empty()) root.fail("missing 'storage.folder' (or StorageFolder)");
    if (auto ok = check_writable_folder(c.storage_folder); !ok) storage.child("folder").report(ok.error());
  });
  storage.attempt([&] {
    const auto max_bytes = storage.integer_or("max_bytes", 0);
    if (max_bytes < 0) storage.child("max_bytes").fail("must not be negative");
    c.max_bytes = static_cast<std::uint64_t>(max_bytes);
  });
  storage.attempt([&] {
    const auto fsync = storage.string_or("fsync", "group");
    if (fsync == "group") c.fsync = store::FsyncPolicy::group;
    else if (fsync == "always") c.fsync = store::FsyncPolicy::always;
    else if (fsync == "never") c.fsync = store::FsyncPolicy::never;
    else storage.child("fsync").fail(fmt::format("expected group, always or never, got '{}'", fsync));
  });
}

void read_files_and_settings(const ConfigNode& root, HubConfig& c) {
  root.attempt([&] { c.identities_file = resolve_config_path(root.file(), root.string("identities")); });
  root.attempt([&] { c.desired_file = resolve_config_path(root.file(), root.string("desired")); });
  root.attempt([&] {
    c.log_level = root.optional_string("log_level").value_or(env_var("RuntimeLogLevel").value_or("info"));
    if (!parse_log_level(c.log_level))
      root.fail(fmt::format("log_level '{}': expected trace, debug, info, warning, error or fatal", c.log_level));
  });
  root.attempt([&] {
    const auto delivery = root.child("delivery");
    delivery.expect_only({"window"});
    const auto window = delivery.integer_or("window", 100);
    if (window < 1 || window > 10000) delivery.child("window").fail("must be between 1 and 10000");
    c.delivery_window = static_cast<std::size_t>(window);
  });
}

void read_limits(const ConfigNode& root, HubConfig& c) {
  const auto limits = root.child("limits");
  std::vector<std::string_view> keys(mqtt::kServerLimitKeys.begin(), mqtt::kServerLimitKeys.end());
  keys.push_back("max_held_messages");
  limits.expect_only(keys);
  c.limits = mqtt::read_server_limits(limits);
  limits.attempt([&] {
    const auto held = limits.integer_or("max_held_messages", static_cast<std::int64_t>(c.max_held_messages));
    if (held < 1 || held > 1'000'000) limits.child("max_held_messages").fail("must be between 1 and 1000000");
    c.max_held_messages = static_cast<std::size_t>(held);
  });
}

void read_management(const ConfigNode& root, HubConfig& c) {
  const auto management = root.child("management");
  management.expect_only({"policies"});
  for (const auto& p : management.child("policies").items()) {
    p.attempt([&] {
      p.expect_only({"name", "primary_key", "secondary_key"});
      ServicePolicy policy{p.string("name"), p.string("primary_key"), p.string_or("secondary_key", "")};
      if (!base64_decode(policy.primary_key)) p.child("primary_key").report("is not base64");
      if (!policy.secondary_key.empty() && !base64_decode(policy.secondary_key))
        p.child("secondary_key").report("is not base64");
      c.policies.push_back(std::move(policy));
    });
  }
}

}  // namespace

std::optional<UpstreamProtocol> parse_upstream_protocol(std::string_view text) {
  std::string lower(text);
  for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (lower == "amqp" || lower == "amqpws") return UpstreamProtocol::amqp;
  if (lower == "mqtt" || lower == "mqttws") return UpstreamProtocol::mqtt;
  return std::nullopt;
}

bool is_websocket_protocol(std::string_view text) {
  std::string lower(text);
  for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return lower == "amqpws" || lower == "mqttws";
}

namespace {

void read_upstream(const ConfigNode& root, HubConfig& c) {
  const auto upstream = root.child("upstream");
  upstream.expect_only({"connection_string", "protocol", "mqtt", "amqp", "api", "ca", "window", "idle_timeout_secs"});
  auto cs_text = upstream.optional_string("connection_string");
  if (!cs_text) cs_text = env_var("EdgeHubConnectionString");
  if (!cs_text) cs_text = env_var("IotHubConnectionString");
  if (!cs_text) {
    if (upstream.defined())
      upstream.fail("needs connection_string (or EdgeHubConnectionString / IotHubConnectionString)");
    return;
  }
  const auto cs_node = upstream.child("connection_string");
  auto cs = parse_connection_string(*cs_text);
  if (!cs) cs_node.fail(cs.error());
  if (!c.device_id.empty() && (!cs->device_id || *cs->device_id != c.device_id))
    cs_node.report("DeviceId must be this edge device ('" + c.device_id + "')");
  if (!cs->module_id || *cs->module_id != "$edgeHub")
    cs_node.report("ModuleId must be $edgeHub: the hub acts upstream as $edgeHub");
  if (!cs->shared_access_key) cs_node.report("needs a SharedAccessKey");
  else if (!base64_decode(*cs->shared_access_key)) cs_node.report("SharedAccessKey is not base64");
  if (!c.hostname.empty() && cs->host_name != c.hostname)
    cs_node.report("HostName '" + cs->host_name + "' differs from hostname '" + c.hostname + "'");
  UpstreamConfig u;
  u.hostname = cs->host_name;
  u.edgehub_key = cs->shared_access_key.value_or("");
  upstream.attempt([&] {
    const auto text = upstream.optional_string("protocol");
    const auto variable = env_var("UpstreamProtocol");
    if (!text && !variable) {
      if (upstream.child("mqtt").defined() && !upstream.child("amqp").defined()) u.protocol = UpstreamProtocol::mqtt;
      return;
    }
    const auto protocol = parse_upstream_protocol(text ? *text : *variable);
    if (!protocol && text) upstream.child("protocol").fail("must be Amqp, AmqpWs, Mqtt or MqttWs");
    if (!protocol) upstream.fail("environment: UpstreamProtocol '" + *variable + "' must be Amqp, AmqpWs, Mqtt or MqttWs");
    u.protocol = *protocol;
    // AmqpWs: AMQP in a WebSocket. MqttWs is still dialled as Mqtt over TLS: Paho's WebSocket
    // close held the hub's loop for seconds when an idle identity's connection was closed.
    u.websocket = u.protocol == UpstreamProtocol::amqp && is_websocket_protocol(text ? *text : *variable);
  });
  upstream.attempt([&] {
    u.mqtt_address = upstream.string_or("mqtt", cs->host_name + ":8883");
    if (auto parsed = net::parse_host_port(u.mqtt_address); !parsed) upstream.child("mqtt").report(parsed.error());
  });
  upstream.attempt([&] {
    u.amqp_address = upstream.string_or("amqp", cs->host_name + (u.websocket ? ":443" : ":5671"));
    if (auto parsed = net::parse_host_port(u.amqp_address); !parsed) upstream.child("amqp").report(parsed.error());
  });
  upstream.attempt([&] { u.ca_file = net::config_ca_file(upstream, "ca"); });
  upstream.attempt([&] {
    u.api_base = upstream.string_or("api", "https://" + cs->host_name);
    if (u.api_base.rfind("https://", 0) != 0 && u.api_base.rfind("http://", 0) != 0)
      upstream.child("api").report("must be an http:// or https:// URL");
    while (!u.api_base.empty() && u.api_base.back() == '/') u.api_base.pop_back();
  });
  upstream.attempt([&] {
    const auto window = upstream.integer_or("window", 256);
    if (window < 1 || window > 65000) upstream.child("window").fail("must be between 1 and 65000");
    u.window = static_cast<std::size_t>(window);
  });
  upstream.attempt([&] {
    const auto idle = upstream.integer_or("idle_timeout_secs", 1);
    if (idle < 0 || idle > 86400) upstream.child("idle_timeout_secs").fail("must be between 0 and 86400");
    u.idle_timeout = std::chrono::seconds(idle);
  });
  c.upstream = std::move(u);
}

void read_broker(const ConfigNode& root, HubConfig& c) {
  c.mqtt_broker = read_mqtt_broker_config(root);
  const std::optional<std::string>* listeners[] = {&c.listen_mqtt, &c.listen_mqtts, &c.listen_wss};
  const char* names[] = {"mqtt", "mqtts", "wss"};
  for (const auto& l : c.mqtt_broker.anonymous_listeners)
    for (int i = 0; i < 3; ++i)
      if (l == names[i] && !*listeners[i])
        root.child("mqtt_broker").child("allow_anonymous").report(
            fmt::format("'{}' is not a listener of this hub (listen.{} is not set)", l, l));
}

}  // namespace

HubConfig read_hub_config(const ConfigNode& root) {
  root.expect_only({"hostname", "device_id", "gateway_hostname", "listen", "tls", "storage",
                    "identities", "desired", "log_level", "delivery", "management", "limits", "upstream",
                    "mqtt_broker"});
  HubConfig c;
  c.config_file = root.file();
  read_identity(root, c);
  root.attempt([&] { read_listen(root, c); });
  root.attempt([&] { read_tls(root, c); });
  root.attempt([&] { read_storage(root, c); });
  read_files_and_settings(root, c);
  root.attempt([&] { read_management(root, c); });
  root.attempt([&] { read_limits(root, c); });
  root.attempt([&] { read_upstream(root, c); });
  root.attempt([&] { read_broker(root, c); });
  return c;
}

HubConfig load_hub_config(const std::string& file) { return read_yaml_config(file, read_hub_config); }

}  // namespace outpost::hub

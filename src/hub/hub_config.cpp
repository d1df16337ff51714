#include "hub/hub_config.h"

#include <filesystem>

#include <fmt/format.h>

#include "outpost/core/config.h"
#include "outpost/core/connection_string.h"
#include "outpost/core/encoding.h"
#include "outpost/core/log.h"
#include "outpost/net/address.h"

namespace outpost::hub {
namespace {

}  // namespace

HubConfig load_hub_config(const std::string& file) {
  const auto root = load_yaml_file(file);
  root.expect_only({"hostname", "device_id", "gateway_hostname", "listen", "tls", "storage",
                    "identities", "desired", "log_level", "delivery", "management", "upstream"});
  HubConfig c;
  c.config_file = file;
  c.hostname = root.optional_string("hostname").value_or(env_var("IOTEDGE_IOTHUBHOSTNAME").value_or(""));
  if (c.hostname.empty()) root.fail("missing required key 'hostname' (or IOTEDGE_IOTHUBHOSTNAME)");
  c.device_id = root.optional_string("device_id").value_or(env_var("IOTEDGE_DEVICEID").value_or(""));
  if (c.device_id.empty()) root.fail("missing required key 'device_id' (or IOTEDGE_DEVICEID)");
  c.gateway_hostname =
      root.optional_string("gateway_hostname").value_or(env_var("EDGEDEVICEHOSTNAME").value_or(""));

  const auto listen = root.child("listen");
  listen.expect_only({"mqtt", "mqtts", "wss", "metrics", "https"});
  c.listen_mqtt = net::config_address(listen, "mqtt");
  c.listen_mqtts = net::config_address(listen, "mqtts");
  c.listen_wss = net::config_address(listen, "wss");
  c.listen_metrics = net::config_address(listen, "metrics");
  c.listen_https = net::config_address(listen, "https");
  if (!c.listen_mqtt && !c.listen_mqtts && !c.listen_wss)
    root.fail("listen: at least one of mqtt, mqtts, wss is required");

  const auto tls = root.child("tls");
  tls.expect_only({"cert", "key"});
  if (c.listen_mqtts || c.listen_wss || c.listen_https) {
    if (!tls.defined()) root.fail("tls: cert and key are required by the mqtts/wss/https listeners");
    c.tls_cert = resolve_config_path(file, tls.string("cert"));
    c.tls_key = resolve_config_path(file, tls.string("key"));
  }

  const auto storage = root.child("storage");
  storage.expect_only({"folder", "max_bytes", "fsync"});
  c.storage_folder = resolve_config_path(file, storage.optional_string("folder").value_or(env_var("StorageFolder").value_or("")));
  if (c.storage_folder.empty()) root.fail("missing 'storage.folder' (or StorageFolder)");
  const auto max_bytes = storage.integer_or("max_bytes", 0);
  if (max_bytes < 0) storage.child("max_bytes").fail("must not be negative");
  c.max_bytes = static_cast<std::uint64_t>(max_bytes);
  const auto fsync = storage.string_or("fsync", "group");
  if (fsync == "group") c.fsync = store::FsyncPolicy::group;
  else if (fsync == "always") c.fsync = store::FsyncPolicy::always;
  else if (fsync == "never") c.fsync = store::FsyncPolicy::never;
  else storage.child("fsync").fail(fmt::format("expected group, always or never, got '{}'", fsync));

  c.identities_file = resolve_config_path(file, root.string("identities"));
  c.desired_file = resolve_config_path(file, root.string("desired"));
  c.log_level = root.optional_string("log_level").value_or(env_var("RuntimeLogLevel").value_or("info"));
  if (!parse_log_level(c.log_level))
    root.fail(fmt::format("log_level '{}': expected trace, debug, info, warning, error or fatal", c.log_level));

  const auto delivery = root.child("delivery");
  delivery.expect_only({"window"});
  const auto window = delivery.integer_or("window", 100);
  if (window < 1 || window > 10000) delivery.child("window").fail("must be between 1 and 10000");
  c.delivery_window = static_cast<std::size_t>(window);

  const auto management = root.child("management");
  management.expect_only({"policies"});
  for (const auto& p : management.child("policies").items()) {
    p.expect_only({"name", "primary_key", "secondary_key"});
    ServicePolicy policy{p.string("name"), p.string("primary_key"), p.string_or("secondary_key", "")};
    if (!base64_decode(policy.primary_key)) p.child("primary_key").fail("is not base64");
    if (!policy.secondary_key.empty() && !base64_decode(policy.secondary_key))
      p.child("secondary_key").fail("is not base64");
    c.policies.push_back(std::move(policy));
  }
  const auto upstream = root.child("upstream");
  upstream.expect_only({"connection_string", "mqtt", "api", "ca", "window"});
  auto cs_text = upstream.optional_string("connection_string");
  if (!cs_text) cs_text = env_var("EdgeHubConnectionString");
  if (!cs_text) cs_text = env_var("IotHubConnectionString");
  if (cs_text) {
    auto cs = parse_connection_string(*cs_text);
    if (!cs) upstream.child("connection_string").fail(cs.error());
    if (!cs->device_id || *cs->device_id != c.device_id)
      upstream.child("connection_string").fail("DeviceId must be this edge device ('" + c.device_id + "')");
    if (!cs->module_id || *cs->module_id != "$edgeHub")
      upstream.child("connection_string").fail("ModuleId must be $edgeHub: the hub acts upstream as $edgeHub");
    if (!cs->shared_access_key) upstream.child("connection_string").fail("needs a SharedAccessKey");
    if (cs->host_name != c.hostname)
      upstream.child("connection_string").fail("HostName '" + cs->host_name + "' differs from hostname '" + c.hostname + "'");
    UpstreamConfig u;
    u.hostname = cs->host_name;
    u.edgehub_key = *cs->shared_access_key;
    u.mqtt_address = upstream.string_or("mqtt", cs->host_name + ":8883");
    if (auto parsed = net::parse_host_port(u.mqtt_address); !parsed) upstream.child("mqtt").fail(parsed.error());
    u.ca_file = resolve_config_path(file, upstream.string_or("ca", ""));
    u.api_base = upstream.string_or("api", "https://" + cs->host_name);
    if (u.api_base.rfind("https://", 0) != 0 && u.api_base.rfind("http://", 0) != 0)
      upstream.child("api").fail("must be an http:// or https:// URL");
    while (!u.api_base.empty() && u.api_base.back() == '/') u.api_base.pop_back();
    const auto window = upstream.integer_or("window", 256);
    if (window < 1 || window > 65000) upstream.child("window").fail("must be between 1 and 65000");
    u.window = static_cast<std::size_t>(window);
    c.upstream = std::move(u);
  } else if (upstream.defined()) {
    upstream.fail("needs connection_string (or EdgeHubConnectionString / IotHubConnectionString)");
  }
  return c;
}

}  // namespace outpost::hub

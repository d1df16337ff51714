#include "cloud/cloud_config.h"

#include <filesystem>

#include <fmt/format.h>

#include "cloud/ids.h"
#include "outpost/core/config.h"
#include "outpost/core/log.h"
#include "outpost/net/address.h"

namespace outpost::cloud {
namespace {

std::int64_t non_negative(const ConfigNode& node, std::string_view key, std::int64_t fallback) {
  const auto value = node.integer_or(key, fallback);
  if (value < 0) node.child(key).fail("must not be negative");
  return value;
}

std::int64_t positive(const ConfigNode& node, std::string_view key, std::int64_t fallback) {
  const auto value = node.integer_or(key, fallback);
  if (value <= 0) node.child(key).fail("must be positive");
  return value;
}

}  // namespace

CloudConfig load_cloud_config(const std::string& file) {
  const auto root = load_yaml_file(file);
  root.expect_only({"hostname", "listen", "tls", "storage", "telemetry", "c2d", "policies", "log_level"});
  CloudConfig c;
  c.config_file = file;
  auto& s = c.settings;
  s.hostname = root.string("hostname");
  if (s.hostname.empty() || s.hostname.find_first_of("/ ;") != std::string::npos)
    root.child("hostname").fail("must be a host name (what devices dial and tokens name)");

  const auto listen = root.child("listen");
  if (!listen.defined()) root.fail("missing required key 'listen'");
  listen.expect_only({"mqtts", "wss", "mqtt", "https", "http"});
  c.listen_mqtts = net::config_address(listen, "mqtts");
  c.listen_wss = net::config_address(listen, "wss");
  c.listen_mqtt = net::config_address(listen, "mqtt");
  c.listen_https = net::config_address(listen, "https");
  c.listen_http = net::config_address(listen, "http");
  if (!c.listen_mqtts && !c.listen_wss && !c.listen_mqtt) listen.fail("at least one of mqtts, wss, mqtt is required");
  if (!c.listen_https && !c.listen_http) listen.fail("at least one of https, http is required (the service API)");

  const auto tls = root.child("tls");
  tls.expect_only({"cert", "key"});
  if (c.listen_mqtts || c.listen_wss || c.listen_https) {
    if (!tls.defined()) root.fail("tls: cert and key are required by the mqtts, wss and https listeners");
    c.tls_cert = resolve_config_path(file, tls.string("cert"));
    c.tls_key = resolve_config_path(file, tls.string("key"));
    for (const auto& [key, path] : {std::pair{"cert", c.tls_cert}, std::pair{"key", c.tls_key}})
      if (!std::filesystem::exists(path)) tls.child(key).fail(fmt::format("no such file: {}", path));
  }

  const auto storage = root.child("storage");
  storage.expect_only({"folder"});
  s.storage_folder = resolve_config_path(file, storage.string("folder"));

  const auto telemetry = root.child("telemetry");
  telemetry.expect_only({"retention", "fsync", "stream_heartbeat_secs"});
  const auto retention = telemetry.child("retention");
  retention.expect_only({"max_age_secs", "max_bytes", "interval_ms"});
  s.retention.max_age_ms = non_negative(retention, "max_age_secs", 7 * 24 * 3600) * 1000;
  s.retention.max_bytes = static_cast<std::uint64_t>(non_negative(retention, "max_bytes", 1LL << 30));
  s.retention_interval = std::chrono::milliseconds(positive(retention, "interval_ms", 1000));
  s.telemetry_fsync = telemetry.bool_or("fsync", true);
  s.stream_heartbeat = std::chrono::seconds(positive(telemetry, "stream_heartbeat_secs", 15));

  const auto c2d = root.child("c2d");
  c2d.expect_only({"ttl_secs", "max_delivery_count", "max_queue_depth"});
  s.c2d.default_ttl = std::chrono::seconds(positive(c2d, "ttl_secs", 3600));
  const auto deliveries = positive(c2d, "max_delivery_count", 10);
  if (deliveries > 100) c2d.child("max_delivery_count").fail("must be at most 100");
  s.c2d.max_deliveries = static_cast<int>(deliveries);
  s.c2d.max_queue_depth = static_cast<std::size_t>(positive(c2d, "max_queue_depth", 50));

  for (const auto& p : root.child("policies").items()) {
    p.expect_only({"name", "primary_key", "secondary_key", "rights"});
    PolicySetting policy;
    policy.name = p.string("name");
    if (auto v = validate_identity_id(policy.name, "policy name"); !v) p.child("name").fail(v.error());
    policy.primary_key = p.string_or("primary_key", "");
    policy.secondary_key = p.string_or("secondary_key", "");
    for (const auto* key : {"primary_key", "secondary_key"}) {
      const auto value = p.string_or(key, "");
      if (!value.empty())
        if (auto v = validate_symmetric_key(value, key); !v) p.child(key).fail(v.error());
    }
    std::vector<std::string> names;
    for (const auto& r : p.child("rights").items()) names.push_back(r.as_string());
    if (names.empty()) p.fail("rights: list at least one of RegistryRead, RegistryWrite, ServiceConnect, DeviceConnect");
    const auto rights = parse_rights(names);
    if (!rights) p.child("rights").fail("expected RegistryRead, RegistryWrite, ServiceConnect or DeviceConnect");
    policy.rights = *rights;
    s.policies.push_back(std::move(policy));
  }

  c.log_level = root.optional_string("log_level").value_or(env_var("RuntimeLogLevel").value_or("info"));
  if (!parse_log_level(c.log_level))
    root.child("log_level").fail(fmt::format("'{}': expected trace, debug, info, warning, error or fatal", c.log_level));
  return c;
}

}  // namespace outpost::cloud

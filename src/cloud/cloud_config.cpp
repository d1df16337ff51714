#include "cloud_config.h"

#include <filesystem>

#include <fmt/format.h>

#include "ids.h"
#include "outpost/core/config.h"
#include "outpost/core/config_checks.h"
#include "outpost/core/file_io.h"
#include "outpost/core/log.h"
#include "outpost/mqtt/server_limits.h"
#include "outpost/net/address.h"
#include "outpost/net/tls_config.h"

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

PolicySetting read_policy(const ConfigNode& p) {
  p.expect_only({"name", "primary_key", "secondary_key", "rights"});
  PolicySetting policy;
  policy.name = p.string("name");
  if (auto v = validate_identity_id(policy.name, "policy name"); !v) p.child("name").report(v.error());
  policy.primary_key = p.string_or("primary_key", "");
  policy.secondary_key = p.string_or("secondary_key", "");
  for (const auto* key : {"primary_key", "secondary_key"}) {
    const auto value = p.string_or(key, "");
    if (!value.empty())
      if (auto v = validate_symmetric_key(value, key); !v) p.child(key).report(v.error());
  }
  std::vector<std::string> names;
  for (const auto& r : p.child("rights").items()) names.push_back(r.as_string());
  if (names.empty()) p.fail("rights: list at least one of RegistryRead, RegistryWrite, ServiceConnect, DeviceConnect");
  const auto rights = parse_rights(names);
  if (!rights) p.child("rights").fail("expected RegistryRead, RegistryWrite, ServiceConnect or DeviceConnect");
  policy.rights = *rights;
  return policy;
}

}  // namespace

// Each key is read inside attempt() or reported with report(), so one run lists every
// problem; a value with a problem is kept as written (the config is then never used).
CloudConfig read_cloud_config(const ConfigNode& root) {
  root.expect_only({"hostname", "listen", "tls", "storage", "telemetry", "c2d", "policies", "limits", "log_level"});
  CloudConfig c;
  c.config_file = root.file();
  auto& s = c.settings;
  root.attempt([&] {
    s.hostname = root.string("hostname");
    if (s.hostname.empty() || s.hostname.find_first_of("/ ;") != std::string::npos)
      root.child("hostname").fail("must be a host name (what devices dial and tokens name)");
  });

  root.attempt([&] {
    const auto listen = root.child("listen");
    if (!listen.defined()) root.fail("missing required key 'listen'");
    listen.expect_only({"mqtts", "wss", "mqtt", "amqps", "amqp", "https", "http"});
    c.listen_mqtts = net::config_address(listen, "mqtts");
    c.listen_amqps = net::config_address(listen, "amqps");
    c.listen_amqp = net::config_address(listen, "amqp");
    c.listen_wss = net::config_address(listen, "wss");
    c.listen_mqtt = net::config_address(listen, "mqtt");
    c.listen_https = net::config_address(listen, "https");
    c.listen_http = net::config_address(listen, "http");
    if (!c.listen_mqtts && !c.listen_wss && !c.listen_mqtt && !c.listen_amqps && !c.listen_amqp)
      listen.report("at least one of mqtts, wss, mqtt, amqps, amqp is required");
    if (!c.listen_https && !c.listen_http) listen.report("at least one of https, http is required (the service API)");
  });

  root.attempt([&] {
    const auto tls = root.child("tls");
    tls.expect_only({"cert", "key", "device_ca_certs"});
    if (c.listen_mqtts || c.listen_wss || c.listen_amqps || c.listen_https) {
      if (!tls.defined()) root.fail("tls: cert and key are required by the mqtts, wss, amqps and https listeners");
      const auto files = net::config_tls_files(tls);
      c.tls_cert = files.cert_file;
      c.tls_key = files.key_file;
    }
    if (tls.child("device_ca_certs").defined()) {
      const auto node = tls.child("device_ca_certs");
      const auto file = resolve_config_path(root.file(), node.as_string());
      if (auto ok = net::check_ca_file(file); !ok) node.fail(ok.error());
      else if (auto pem = read_whole_file(file)) s.device_ca_pem = std::move(*pem);
      else node.fail(pem.error());
    }
  });

  root.attempt([&] {
    const auto storage = root.child("storage");
    storage.expect_only({"folder"});
    s.storage_folder = resolve_config_path(root.file(), storage.string("folder"));
    if (auto ok = check_writable_folder(s.storage_folder.string()); !ok) storage.child("folder").report(ok.error());
  });

  root.attempt([&] {
    const auto telemetry = root.child("telemetry");
    telemetry.expect_only({"retention", "fsync", "stream_heartbeat_secs"});
    const auto retention = telemetry.child("retention");
    retention.expect_only({"max_age_secs", "max_bytes", "interval_ms"});
    retention.attempt([&] { s.retention.max_age_ms = non_negative(retention, "max_age_secs", 7 * 24 * 3600) * 1000; });
    retention.attempt([&] { s.retention.max_bytes = static_cast<std::uint64_t>(non_negative(retention, "max_bytes", 1LL << 30)); });
    retention.attempt([&] { s.retention_interval = std::chrono::milliseconds(positive(retention, "interval_ms", 1000)); });
    telemetry.attempt([&] { s.telemetry_fsync = telemetry.bool_or("fsync", true); });
    telemetry.attempt([&] { s.stream_heartbeat = std::chrono::seconds(positive(telemetry, "stream_heartbeat_secs", 15)); });
  });

  root.attempt([&] {
    const auto c2d = root.child("c2d");
    c2d.expect_only({"ttl_secs", "max_delivery_count", "max_queue_depth"});
    c2d.attempt([&] { s.c2d.default_ttl = std::chrono::seconds(positive(c2d, "ttl_secs", 3600)); });
    c2d.attempt([&] {
      const auto deliveries = positive(c2d, "max_delivery_count", 10);
      if (deliveries > 100) c2d.child("max_delivery_count").fail("must be at most 100");
      s.c2d.max_deliveries = static_cast<int>(deliveries);
    });
    c2d.attempt([&] { s.c2d.max_queue_depth = static_cast<std::size_t>(positive(c2d, "max_queue_depth", 50)); });
  });

  root.attempt([&] {
    for (const auto& p : root.child("policies").items()) p.attempt([&] { s.policies.push_back(read_policy(p)); });
  });

  root.attempt([&] {
    const auto limits = root.child("limits");
    limits.expect_only(std::vector<std::string_view>(mqtt::kServerLimitKeys.begin(), mqtt::kServerLimitKeys.end()));
    c.limits = mqtt::read_server_limits(limits);
  });

  root.attempt([&] {
    c.log_level = root.optional_string("log_level").value_or(env_var("RuntimeLogLevel").value_or("info"));
    if (!parse_log_level(c.log_level))
      root.child("log_level").fail(fmt::format("'{}': expected trace, debug, info, warning, error or fatal", c.log_level));
  });
  return c;
}

CloudConfig load_cloud_config(const std::string& file) { return read_yaml_config(file, read_cloud_config); }

}  // namespace outpost::cloud

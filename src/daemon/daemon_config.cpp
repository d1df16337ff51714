#include "daemon_config.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "aziot_config.h"
#include "daemon_provisioning.h"
#include "outpost/core/file_io.h"
#include "outpost/core/config.h"
#include "outpost/core/config_checks.h"
#include "outpost/core/json.h"
#include "outpost/core/log.h"

namespace outpost::daemon {
namespace {

// Each reader records its problems in root.problems() and goes on where it can, so
// `--check` lists them all (as hub_config.cpp does).

// RFC 1123 host names (letters, digits, '-', '.'), or an IP address: what a module dials
// and what the hub's server certificate names.
bool is_host_name(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == ':';
  });
}

std::string machine_host_name() {
  char buffer[256] = {};
  if (::gethostname(buffer, sizeof buffer - 1) != 0) return "localhost";
  std::string name(buffer);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  return name;
}

void read_host(const ConfigNode& root, DaemonConfig& c) {
  root.attempt([&] {
    c.hostname = root.string_or("hostname", machine_host_name());
    if (!is_host_name(c.hostname))
      root.child("hostname").fail(fmt::format("'{}' is not a host name (letters, digits, '-' and '.')", c.hostname));
  });
  root.attempt([&] {
    const auto homedir = root.child("homedir");
    c.homedir = resolve_config_path(root.file(), root.string_or("homedir", c.homedir));
    if (auto ok = check_writable_folder(c.homedir); !ok) homedir.report(ok.error());
  });
}

// `connect` and `listen`: unix:// URIs. IoT Edge's listen side is often fd:// (systemd socket
// activation); outpostd binds its own sockets, so fd:// means "bind the connect path".
void read_sockets(const ConfigNode& root, DaemonConfig& c) {
  const auto read = [&](const char* block, ApiSockets& out, bool allow_fd) {
    const auto node = root.child(block);
    node.expect_only({"management_uri", "workload_uri"});
    const auto uri = [&](const char* key, std::string& value, const std::string& connect_value) {
      node.attempt([&] {
        if (!node.has(key)) return;  // the default, or listen's copy of connect (checked there)
        value = node.string(key);
        if (allow_fd && value.rfind("fd://", 0) == 0) {
          value = connect_value;
          return;
        }
        if (!unix_socket_path(value))
          node.child(key).fail(fmt::format("expected unix:///absolute/path, got '{}'", value));
      });
    };
    uri("management_uri", out.management_uri, c.connect.management_uri);
    uri("workload_uri", out.workload_uri, c.connect.workload_uri);
  };
  read("connect", c.connect, false);
  c.listen = c.connect;
  read("listen", c.listen, true);
}

void read_agent(const ConfigNode& root, DaemonConfig& c) {
  const auto agent = root.child("agent");
  agent.expect_only({"name", "type", "env", "config", "imagePullPolicy"});
  agent.attempt([&] { c.agent.name = agent.string_or("name", c.agent.name); });
  agent.attempt([&] {
    c.agent.type = agent.string_or("type", c.agent.type);
    if (c.agent.type != "docker") agent.child("type").fail(fmt::format("expected docker, got '{}'", c.agent.type));
  });
  agent.attempt([&] {
    const auto env = agent.child("env");
    for (const auto& key : env.keys()) c.agent.env[key] = env.child(key).as_string();
  });
  const auto config = agent.child("config");
  config.expect_only({"image", "createOptions", "auth"});
  config.attempt([&] { c.agent.image = config.string_or("image", c.agent.image); });
  config.attempt([&] {
    const auto options = config.child("createOptions");
    if (!options.defined()) return;
    if (options.is_map()) {
      c.agent.create_options = options.as_json();
      return;
    }
    // As in a deployment manifest: createOptions as a JSON string.
    auto parsed = parse_json(options.as_string());
    if (!parsed) options.fail("expected a mapping or a JSON object string: " + parsed.error());
    if (!parsed->is_object()) options.fail("expected a mapping or a JSON object string");
    c.agent.create_options = std::move(*parsed);
  });
  const auto auth = config.child("auth");
  auth.expect_only({"serveraddress", "username", "password"});
  auth.attempt([&] {
    c.agent.registry_address = auth.string_or("serveraddress", "");
    c.agent.registry_username = auth.string_or("username", "");
    c.agent.registry_password = auth.string_or("password", "");
  });
}

void read_runtime(const ConfigNode& root, DaemonConfig& c) {
  root.attempt([&] {
    const auto runtime = root.string_or("runtime", "");
    if (runtime.empty()) c.runtime = RuntimeChoice::automatic;
    else if (runtime == "process") c.runtime = RuntimeChoice::process;
    else if (runtime == "docker") c.runtime = RuntimeChoice::docker;
    else root.child("runtime").fail(fmt::format("expected process or docker, got '{}'", runtime));
  });
  root.attempt([&] {
    c.allow_elevated_docker_permissions = root.bool_or("allow_elevated_docker_permissions", false);
  });
  const auto moby = root.child("moby_runtime");
  moby.expect_only({"uri", "network", "content_trust"});
  moby.attempt([&] {
    c.moby_runtime.uri = moby.string_or("uri", c.moby_runtime.uri);
    if (!unix_socket_path(c.moby_runtime.uri))
      moby.child("uri").fail(fmt::format("expected unix:///absolute/path, got '{}'", c.moby_runtime.uri));
  });
  moby.attempt([&] {
    const auto network = moby.child("network");
    // IoT Edge 1.2+ also accepts {name, ipv6, ipam}: the name is what a module joins.
    c.moby_runtime.network = network.is_map() ? network.string("name") : moby.string_or("network", c.moby_runtime.network);
    if (c.moby_runtime.network.empty()) network.fail("must not be empty");
  });
}

void read_images(const ConfigNode& root, DaemonConfig& c) {
  const auto images = root.child("images");
  images.attempt([&] {
    for (const auto& pattern : images.keys()) {
      images.attempt([&] {
        const auto target = images.child(pattern).as_string();
        if (target.rfind("process://", 0) == 0 && target.rfind("process:///", 0) != 0)
          images.child(pattern).fail("expected process:///absolute/path");
        c.images.add({pattern, target});
      });
    }
  });
}

void read_certificates(const ConfigNode& root, DaemonConfig& c) {
  const auto certs = root.child("certificates");
  certs.expect_only({"device_ca_cert", "device_ca_pk", "trusted_ca_certs", "auto_generated_ca_lifetime_days"});
  const auto file = [&](const char* key) {
    auto path = certs.optional_string(key);
    if (!path) return std::string();
    auto resolved = resolve_config_path(root.file(), strip_file_uri(*path));
    if (auto ok = check_readable_file(resolved); !ok) certs.child(key).report(ok.error());
    return resolved;
  };
  certs.attempt([&] { c.certificates.device_ca_cert = file("device_ca_cert"); });
  certs.attempt([&] { c.certificates.device_ca_pk = file("device_ca_pk"); });
  if (c.certificates.device_ca_cert.empty() != c.certificates.device_ca_pk.empty())
    certs.report("device_ca_cert and device_ca_pk go together: give both, or neither for a generated edge CA");
  certs.attempt([&] {
    const auto trusted = certs.child("trusted_ca_certs");
    const auto add = [&](const ConfigNode& node) {
      node.attempt([&] {
        const auto path = resolve_config_path(root.file(), strip_file_uri(node.as_string()));
        if (auto ok = check_readable_file(path); !ok) node.fail(ok.error());
        c.certificates.trusted_ca_certs.push_back(path);
      });
    };
    if (trusted.is_sequence()) {
      for (const auto& item : trusted.items()) add(item);
    } else if (trusted.defined()) {
      add(trusted);
    }
  });
  certs.attempt([&] {
    const auto days = certs.integer_or("auto_generated_ca_lifetime_days", 90);
    if (days < 1 || days > 3650) certs.child("auto_generated_ca_lifetime_days").fail("must be between 1 and 3650");
    c.certificates.auto_generated_ca_lifetime_days = static_cast<int>(days);
  });
}

void read_watchdog_and_logging(const ConfigNode& root, DaemonConfig& c) {
  const auto watchdog = root.child("watchdog");
  watchdog.expect_only({"max_retries"});
  watchdog.attempt([&] {
    const auto retries = watchdog.child("max_retries");
    if (!retries.defined() || retries.as_string() == "infinite") return;
    const auto value = retries.as_integer();
    if (value < 0 || value > 1'000'000) retries.fail("expected 'infinite' or a count between 0 and 1000000");
    c.watchdog_max_retries = static_cast<int>(value);
  });
  root.attempt([&] {
    c.log_level = root.string_or("log_level", c.log_level);
    if (!parse_log_level(c.log_level))
      root.child("log_level").fail(fmt::format("'{}': expected trace, debug, info, warning, error or fatal", c.log_level));
  });
}

}  // namespace

std::optional<std::string> unix_socket_path(const std::string& uri) {
  constexpr std::string_view scheme = "unix://";
  if (uri.rfind(scheme, 0) != 0) return std::nullopt;
  auto path = uri.substr(scheme.size());
  if (path.size() < 2 || path[0] != '/') return std::nullopt;
  return path;
}

DaemonConfig read_daemon_config(const ConfigNode& root) {
  root.expect_only({"provisioning", "hostname", "homedir", "connect", "listen", "agent", "runtime", "moby_runtime",
                    "allow_elevated_docker_permissions", "images", "certificates", "watchdog", "log_level"});
  DaemonConfig c;
  c.config_file = root.file();
  read_host(root, c);
  root.attempt([&] { c.provisioning = read_provisioning(root.child("provisioning"), c.hostname); });
  root.attempt([&] { read_sockets(root, c); });
  root.attempt([&] { read_agent(root, c); });
  root.attempt([&] { read_runtime(root, c); });
  root.attempt([&] { read_images(root, c); });
  root.attempt([&] { read_certificates(root, c); });
  read_watchdog_and_logging(root, c);
  return c;
}

std::string check_summary(const DaemonConfig& c) {
  return fmt::format("ok (device '{}', provisioning {}, home {})", c.provisioning.device_id,
                     c.provisioning.source == ProvisioningSource::local ? "local" : "manual", c.homedir);
}

DaemonConfig load_daemon_config(const std::string& file) {
  if (file.size() < 5 || file.substr(file.size() - 5) != ".toml") return read_yaml_config(file, read_daemon_config);
  // IoT Edge 1.5's config.toml, mapped onto config.yaml's shape first.
  auto text = read_whole_file(file);
  if (!text) throw ConfigError(file + ": " + text.error());
  auto converted = convert_aziot_toml(*text, file);
  std::optional<DaemonConfig> config;
  converted.root.attempt([&] { config.emplace(read_daemon_config(converted.root)); });
  converted.root.problems().throw_if_any();
  config->ignored_keys = std::move(converted.ignored);
  return std::move(*config);
}

}  // namespace outpost::daemon

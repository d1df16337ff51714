#include "system_module.h"

#include <filesystem>
#include <memory>
#include <mutex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "outpost/core/clock.h"
#include "outpost/core/config.h"
#include "outpost/core/config_checks.h"
#include "outpost/core/file_io.h"
#include "outpost/core/json.h"
#include "outpost/core/log.h"
#include "outpost/net/address.h"
#include "outpost/net/http_fetch.h"
#include "outpost/workload_client/workload_client.h"

namespace outpost::hub {
namespace {

namespace fs = std::filesystem;

// IoT Edge's edgeHub listens on 8883 (MQTT), 5671 (AMQP), 443 (WebSocket and its HTTPS API)
// and 9600 (metrics) of every address; OUTPOST_HUB_LISTEN_* move one ("off": not at all).
struct Listener {
  const char* variable;
  const char* fallback;  // nullptr: off unless set
  std::optional<std::string> HubConfig::*field;
};
constexpr Listener kListeners[] = {
    {"OUTPOST_HUB_LISTEN_MQTTS", "0.0.0.0:8883", &HubConfig::listen_mqtts},
    {"OUTPOST_HUB_LISTEN_AMQPS", "0.0.0.0:5671", &HubConfig::listen_amqps},
    {"OUTPOST_HUB_LISTEN_WSS", "0.0.0.0:443", &HubConfig::listen_wss},
    {"OUTPOST_HUB_LISTEN_METRICS", "0.0.0.0:9600", &HubConfig::listen_metrics},
    {"OUTPOST_HUB_LISTEN_MQTT", nullptr, &HubConfig::listen_mqtt},
};
constexpr auto kCertificateLifetime = std::chrono::hours(24 * 90);

workload::WorkloadClient workload_client(const SystemModuleSettings& module) {
  auto endpoint = workload::parse_workload_uri(module.workload_uri);
  workload::WorkloadClientSettings settings;
  if (endpoint) settings.endpoint = *endpoint;
  settings.module_id = module.module_id;
  settings.generation_id = module.generation_id;
  settings.timeout = std::chrono::seconds(5);  // signing may run on the hub's loop
  settings.transport = &net::fetch;            // Beast: the hub stays clear of libcurl
  return workload::WorkloadClient(settings);
}

std::string required(ConfigProblems& problems, const char* variable) {
  auto value = env_var(variable);
  if (!value) problems.add(fmt::format("environment: {} is not set (outpostd sets it for every module)", variable));
  return value.value_or("");
}

void read_listeners(ConfigProblems& problems, HubConfig& c) {
  for (const auto& l : kListeners) {
    auto value = env_var(l.variable);
    if (!value && l.fallback) value = l.fallback;
    if (!value || *value == "off") continue;
    if (auto parsed = net::parse_host_port(*value); !parsed)
      problems.add(fmt::format("environment: {}: {}", l.variable, parsed.error()));
    c.*l.field = *value;
  }
  if (!c.listen_mqtt && !c.listen_mqtts && !c.listen_wss && !c.listen_amqps)
    problems.add("environment: OUTPOST_HUB_LISTEN_MQTTS, _AMQPS, _WSS and _MQTT are all off: modules could not connect");
}

// The server certificate for the device's host name and the trust bundle, from the workload
// API, as files the TLS listeners and the upstream link read.
void fetch_certificates(ConfigProblems& problems, HubConfig& c, SystemModuleSettings& module) {
  const auto tls_folder = fs::path(c.storage_folder) / "tls";
  std::error_code ec;
  fs::create_directories(tls_folder, ec);
  if (ec) return problems.add(fmt::format("{}: {}", tls_folder.string(), ec.message()));
  const auto client = workload_client(module);
  const auto requested_expiry = SystemClock::instance().unix_seconds() +
                                std::chrono::duration_cast<std::chrono::seconds>(kCertificateLifetime).count();
  auto certificate = client.server_certificate(c.gateway_hostname, requested_expiry);
  if (!certificate) {
    problems.add(fmt::format("workload API ({}): server certificate for '{}': {}", module.workload_uri,
                             c.gateway_hostname, certificate.error()));
  } else {
    c.tls_cert = (tls_folder / "server.pem").string();
    c.tls_key = (tls_folder / "server.key").string();
    if (auto ok = write_file_atomically(c.tls_cert, certificate->certificate_pem, 0644); !ok) problems.add(ok.error());
    if (auto ok = write_file_atomically(c.tls_key, certificate->private_key_pem, 0600); !ok) problems.add(ok.error());
    const auto expiry_ms = parse_iso8601_ms(certificate->expiration);
    module.certificate_expiry_unix = expiry_ms ? *expiry_ms / 1000 : requested_expiry;
  }
  if (!c.upstream) return;
  // The cloud is trusted as edgeHub trusts it: the trust bundle (the operator's CAs) added to
  // the system's store.
  auto trust = client.trust_bundle_and_system_cas();
  if (!trust) return problems.add(fmt::format("workload API ({}): trust bundle: {}", module.workload_uri, trust.error()));
  c.upstream->ca_file = (tls_folder / "upstream-ca.pem").string();
  if (auto ok = write_file_atomically(c.upstream->ca_file, *trust, 0644); !ok) problems.add(ok.error());
}

}  // namespace

bool runs_as_system_module(const std::string& config_file) {
  return config_file.empty() && env_var("IOTEDGE_WORKLOADURI").has_value();
}

HubStartup load_system_module_startup(const std::string& ready_file) {
  ConfigProblems problems;
  HubStartup startup;
  auto& c = startup.config;
  c.config_file = "the environment";
  SystemModuleSettings module;
  module.workload_uri = required(problems, "IOTEDGE_WORKLOADURI");
  module.module_id = required(problems, "IOTEDGE_MODULEID");
  module.generation_id = required(problems, "IOTEDGE_MODULEGENERATIONID");
  c.hostname = required(problems, "IOTEDGE_IOTHUBHOSTNAME");
  c.device_id = required(problems, "IOTEDGE_DEVICEID");
  c.gateway_hostname = env_var("EdgeDeviceHostName").value_or(env_var("EDGEDEVICEHOSTNAME").value_or(""));
  if (c.gateway_hostname.empty()) problems.add("environment: EdgeDeviceHostName is not set: the certificate names it");
  if (auto uri = workload::parse_workload_uri(module.workload_uri); !module.workload_uri.empty() && !uri)
    problems.add("environment: IOTEDGE_WORKLOADURI: " + uri.error());
  c.log_level = env_var("RuntimeLogLevel").value_or("info");
  if (!parse_log_level(c.log_level)) problems.add(fmt::format("environment: RuntimeLogLevel '{}' is not a level", c.log_level));
  read_listeners(problems, c);

  // IoT Edge keeps edgeHub's store in StorageFolder; without it, in the module's folder.
  c.storage_folder = fs::absolute(env_var("StorageFolder").value_or("storage")).string();
  if (auto ok = check_writable_folder(c.storage_folder); !ok) problems.add("environment: StorageFolder: " + ok.error());

  module.deployment_file = env_var("OUTPOST_DEPLOYMENT_FILE").value_or("");
  if (module.deployment_file.empty()) {
    UpstreamConfig upstream;
    upstream.hostname = c.hostname;
    upstream.mqtt_address = c.hostname + ":8883";
    upstream.amqp_address = c.hostname + ":5671";
    if (const auto variable = env_var("UpstreamProtocol")) {
      if (const auto protocol = parse_upstream_protocol(*variable)) upstream.protocol = *protocol;
      else problems.add(fmt::format("environment: UpstreamProtocol '{}' must be Amqp, AmqpWs, Mqtt or MqttWs", *variable));
    }
    upstream.api_base = "https://" + c.hostname;
    c.upstream = std::move(upstream);
  } else {
    const auto management = env_var("IOTEDGE_MANAGEMENTURI").value_or("");
    if (management.rfind("unix://", 0) != 0)
      problems.add("environment: IOTEDGE_MANAGEMENTURI must be outpostd's unix:// socket with OUTPOST_DEPLOYMENT_FILE "
                   "(module identities come from outpostd)");
    else
      module.management_socket = management.substr(7);
    std::error_code ec;
    if (fs::exists(module.deployment_file, ec)) {
      problems.attempt([&] {
        if (auto routes = load_deployment_routes(module.deployment_file)) startup.desired = std::move(*routes);
      });
    }
  }
  if (problems.empty() && !c.storage_folder.empty()) fetch_certificates(problems, c, module);
  c.system_module = std::move(module);
  if (!ready_file.empty())
    if (auto ok = check_ready_file(ready_file); !ok) problems.add(fmt::format("--ready-file: {}", ok.error()));
  problems.throw_if_any();
  return startup;
}

KeySigner workload_signer(const SystemModuleSettings& module) {
  struct Shared {
    explicit Shared(workload::WorkloadClient c) : client(std::move(c)) {}
    std::mutex mutex;
    workload::WorkloadClient client;
  };
  auto shared = std::make_shared<Shared>(workload_client(module));
  return [shared](std::string_view data) -> Result<std::string> {
    std::lock_guard lock(shared->mutex);
    auto signature = shared->client.sign(data);
    if (!signature) return make_error("workload API: " + signature.error());
    return *signature;
  };
}

std::optional<routing::EdgeHubConfig> load_deployment_routes(const std::string& file) {
  const auto json = load_json_file(file);
  // The agent's file: a whole deployment ({"modulesContent": …}) or $edgeAgent's part alone.
  const auto content = json.is_object() ? json.value("modulesContent", nlohmann::json()) : nlohmann::json();
  if (!content.is_object() || !content.contains("$edgeHub")) return std::nullopt;
  const auto& hub = content["$edgeHub"];
  if (!hub.is_object() || !hub.contains("properties.desired"))
    throw ConfigError(file + ": modulesContent.$edgeHub: expected {\"properties.desired\": {…}}");
  auto config = routing::parse_edgehub_desired(hub["properties.desired"]);
  if (!config) throw ConfigError(file + ": modulesContent.$edgeHub: " + config.error());
  return std::move(*config);
}

}  // namespace outpost::hub

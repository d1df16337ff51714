// outpostd's settings: /etc/outpost/config.yaml, shaped after IoT Edge 1.1's config.yaml so
// an operator's file (and habits) carry over. Every key, its default and what it means:
// docs/DAEMON.md. Relative paths are relative to the file's folder.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "image_table.h"

namespace outpost {
class ConfigNode;
}

namespace outpost::daemon {

// Where the device's identity comes from.
enum class ProvisioningSource {
  manual,  // a device of a cloud registry (Azure IoT Hub or outpost-cloud)
  local,   // no cloud: the daemon is the identity authority for its modules
};

enum class DeviceAuth { sas, x509 };

struct Provisioning {
  ProvisioningSource source = ProvisioningSource::manual;
  DeviceAuth method = DeviceAuth::sas;
  std::string iothub_hostname;  // the registry's host name (tokens are signed for it)
  std::string device_id;
  // sas: the device key (base64), from device_connection_string or the device_id_pk file.
  // A secret: never logged, never returned by an API.
  std::string device_key;
  std::string identity_cert;  // x509: the device's certificate and key files
  std::string identity_pk;
};

struct AgentSettings {
  std::string name = "edgeAgent";
  std::string type = "docker";
  std::string image = "mcr.microsoft.com/azureiotedge-agent:1.1";
  nlohmann::json create_options = nlohmann::json::object();
  std::map<std::string, std::string> env;
  // Registry credentials for pulling the agent's image (config.auth).
  std::string registry_address, registry_username, registry_password;
};

enum class RuntimeChoice {
  automatic,  // docker when moby_runtime.uri answers, else process
  process,
  docker,
};

struct MobyRuntime {
  std::string uri = "unix:///var/run/docker.sock";
  std::string network = "azure-iot-edge";
};

struct Certificates {
  std::string device_ca_cert;  // both set, or both empty: an edge CA generated on first start
  std::string device_ca_pk;
  std::vector<std::string> trusted_ca_certs;  // PEM files added to the modules' trust bundle
  int auto_generated_ca_lifetime_days = 90;
};

// Both APIs' sockets: `connect` is what modules and the agent are told, `listen` what the
// daemon binds (the same unless the operator splits them, as IoT Edge's fd:// sockets do).
struct ApiSockets {
  std::string management_uri;
  std::string workload_uri;
};

struct DaemonConfig {
  std::string config_file;
  Provisioning provisioning;
  std::string hostname;  // the edge device's name: what modules dial, what the hub's certificate carries
  std::string homedir = "/var/lib/outpost";
  ApiSockets connect{"unix:///var/run/outpost/mgmt.sock", "unix:///var/run/outpost/workload.sock"};
  ApiSockets listen = connect;
  AgentSettings agent;
  RuntimeChoice runtime = RuntimeChoice::automatic;
  MobyRuntime moby_runtime;
  bool allow_elevated_docker_permissions = false;  // else no Privileged, no CapAdd, CHOWN and SETUID dropped
  ImageTable images;
  Certificates certificates;
  std::optional<int> watchdog_max_retries;  // nullopt: infinite
  std::string log_level = "info";
  std::vector<std::string> ignored_keys;  // config.toml keys accepted that change nothing here (logged)
};

// Reads and validates the file (config.yaml, or IoT Edge 1.5's config.toml when the name ends
// in .toml: aziot_config.h); checks what it names on disk (key and certificate files
// readable, homedir writable). Throws one ConfigError listing every problem, each as
// "file:line:col: key: what is expected".
DaemonConfig load_daemon_config(const std::string& file);
// The same on a parsed file: problems go to root.problems() and reading goes on.
DaemonConfig read_daemon_config(const ConfigNode& root);

// What `outpostd --check` prints after the file's name:
// "ok (device 'edge1', provisioning manual, home /var/lib/outpost)".
std::string check_summary(const DaemonConfig& config);

// The path of a "unix:///abs/path" URI; an error naming what is wrong otherwise.
std::optional<std::string> unix_socket_path(const std::string& uri);

}  // namespace outpost::daemon

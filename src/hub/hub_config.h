// outpost-hub's settings: hub.yaml, completed by edgeHub's environment variables where
// they overlap (IOTEDGE_IOTHUBHOSTNAME, IOTEDGE_DEVICEID, EDGEDEVICEHOSTNAME, StorageFolder,
// RuntimeLogLevel). The file wins over the environment. Relative paths are relative to the
// file's folder. See docs/HUB.md.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mqtt_broker_config.h"
#include "outpost/mqtt/server.h"
#include "outpost/store/message_store.h"

namespace outpost {
class ConfigNode;
}

namespace outpost::hub {

struct ServicePolicy {
  std::string name;
  std::string primary_key;  // base64
  std::string secondary_key;
};

// The link to the cloud (Azure IoT Hub or outpost-cloud), as the edge hub's own identity.
// edgeHub's UpstreamProtocol: Mqtt (a connection per identity) or Amqp (one multiplexed
// connection). AmqpWs dials AMQP in a WebSocket over TLS (IoT Hub's 443, path
// /$iothub/websocket); MqttWs is taken as Mqtt over TLS.
enum class UpstreamProtocol { mqtt, amqp };
// "Amqp", "AmqpWs", "Mqtt", "MqttWs" in any case; nullopt for anything else.
std::optional<UpstreamProtocol> parse_upstream_protocol(std::string_view text);
// Whether that text names a WebSocket variant (AmqpWs, MqttWs).
bool is_websocket_protocol(std::string_view text);

struct UpstreamConfig {
  std::string hostname;       // from the connection string: token audience, user names
  std::string edgehub_key;    // $edgeHub's shared access key (base64)
  // hub.yaml `protocol`, else env UpstreamProtocol, else Amqp as edgeHub — but Mqtt when only
  // an `mqtt` address is given (the file names where MQTT is served, nothing for AMQP).
  UpstreamProtocol protocol = UpstreamProtocol::amqp;
  bool websocket = false;     // AmqpWs
  std::string mqtt_address;   // host:port to dial; default {hostname}:8883
  std::string amqp_address;   // host:port to dial; default {hostname}:5671 (AmqpWs: 443)
  std::string ca_file;        // trust for the cloud's certificate; empty: the system store
  std::string api_base;       // the cloud's HTTPS API (device scope); default https://{hostname}
  std::size_t window = 256;   // messages in flight upstream
  // A client's cloud connection closes this long after the client left the hub (and once
  // nothing of it is in flight), so the cloud shows it Disconnected within seconds.
  std::chrono::seconds idle_timeout{1};
};

// Set when outpost-hub runs as IoT Edge's $edgeHub system module, under outpostd's agent with
// no hub.yaml (system_module.h).
struct SystemModuleSettings {
  std::string workload_uri;     // IOTEDGE_WORKLOADURI
  std::string module_id;        // IOTEDGE_MODULEID ($edgeHub)
  std::string generation_id;    // IOTEDGE_MODULEGENERATIONID
  std::string deployment_file;  // OUTPOST_DEPLOYMENT_FILE: no cloud, routes from this file
  std::string management_socket;  // IOTEDGE_MANAGEMENTURI's: outpostd's device scope (no cloud)
  std::int64_t certificate_expiry_unix = 0;  // of the server certificate the workload API issued
};

struct HubConfig {
  std::string config_file;
  std::string hostname;           // the IoT Hub host name tokens are signed for
  std::string device_id;          // this edge device
  std::string gateway_hostname;   // also accepted in token audiences (EDGEDEVICEHOSTNAME)

  std::optional<std::string> listen_mqtt;    // plain TCP, for local tools and tests
  std::optional<std::string> listen_mqtts;   // MQTT over TLS
  std::optional<std::string> listen_wss;     // MQTT (and AMQP, AMQPWSB10) over WebSocket over TLS
  std::optional<std::string> listen_amqps;   // AMQP 1.0 over TLS (IoT Edge: 5671)
  std::optional<std::string> listen_amqp;    // AMQP 1.0 on plain TCP, for local tools and tests
  std::optional<std::string> listen_metrics; // /metrics and the local management API
  std::optional<std::string> listen_https;   // management API over TLS (module invokeMethod)
  std::string tls_cert;
  std::string tls_key;
  std::string device_ca_pem;  // tls.device_ca_certs: CAs of X.509 certificateAuthority devices

  std::string storage_folder;
  std::uint64_t max_bytes = 0;  // store cap; 0 = none (edgeHub's storeLimits also applies)
  store::FsyncPolicy fsync = store::FsyncPolicy::group;

  std::string identities_file;  // [{"deviceId","moduleId"?,"primaryKey","secondaryKey"?}]
  std::string desired_file;     // $edgeHub desired properties; re-read on SIGHUP
  std::string log_level = "info";

  std::size_t delivery_window = 100;  // messages in flight per module input
  std::chrono::seconds ttl_sweep_interval{1};
  std::vector<ServicePolicy> policies;  // who may call the management API
  mqtt::ServerLimits limits;            // `limits:` what a client may cost before it authenticates
  std::size_t max_held_messages = 1000; // `limits.max_held_messages`: publishes held while the store is full
  MqttBrokerConfig mqtt_broker;         // `mqtt_broker:` plain MQTT users, anonymous listeners, limits
  std::optional<UpstreamConfig> upstream;  // absent: standalone (no cloud)
  std::optional<SystemModuleSettings> system_module;
};

// Reads and validates the file, and checks what it names on disk (TLS and CA files parse,
// the storage folder can be written) and the listen addresses (this machine's, bindable).
// Throws one ConfigError listing every problem, each naming file, line and key.
HubConfig load_hub_config(const std::string& file);
// The same on a parsed file: problems go to root.problems() and reading goes on, so a
// caller can add its own checks (hub_startup.h) before listing them all.
HubConfig read_hub_config(const ConfigNode& root);

}  // namespace outpost::hub

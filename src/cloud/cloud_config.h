// outpost-cloud's settings file, cloud.yaml (docs/CLOUD.md has the reference):
//
//   hostname: cloud.example.net           # the IoT Hub host name: token audiences, connection strings
//   listen:                               # each optional; at least one device and one API listener
//     mqtts: "0.0.0.0:8883"               # devices: MQTT over TLS
//     wss: "0.0.0.0:8443"                 # devices: MQTT over WebSocket over TLS (/$iothub/websocket)
//     mqtt: "127.0.0.1:1883"              # devices: plain MQTT, for tools and benchmarks on loopback
//     https: "0.0.0.0:443"                # service REST API, event streams, /metrics
//     http: "127.0.0.1:8080"              # the same over plain HTTP (loopback: CLI, demo)
//   tls: { cert: server.pem, key: server.key, device_ca_certs: devices-ca.pem }  # the last: X.509 devices
//   storage: { folder: /var/lib/outpost-cloud }
//   telemetry:
//     retention: { max_age_secs: 604800, max_bytes: 1073741824, interval_ms: 1000 }
//     fsync: true
//     stream_heartbeat_secs: 15
//   c2d: { ttl_secs: 3600, max_delivery_count: 10, max_queue_depth: 50 }
//   policies:                             # extra or pinned shared access policies
//     - { name: service, primary_key: "...", secondary_key: "...", rights: [ServiceConnect] }
//   limits: { max_connect_bytes: 65536, max_unauthenticated_connections: 1024,
//             tls_handshake_timeout_secs: 10, connect_timeout_secs: 60 }
//   log_level: info
//
// Relative paths are relative to the file's folder. What the file names on disk is checked
// too (TLS files parse and match, the storage folder can be written, listen addresses are
// this machine's). Errors throw one ConfigError listing every problem, each naming the
// file, line and key.
#pragma once
#include <optional>
#include <string>

#include "cloud.h"
#include "outpost/mqtt/server.h"

namespace outpost {
class ConfigNode;
}

namespace outpost::cloud {

struct CloudConfig {
  std::string config_file;
  CloudSettings settings;
  std::optional<std::string> listen_mqtts, listen_wss, listen_mqtt, listen_amqps, listen_amqp, listen_https, listen_http;
  std::string tls_cert;
  std::string tls_key;
  std::string log_level = "info";
  mqtt::ServerLimits limits;  // what a device may cost before it authenticates
};

CloudConfig load_cloud_config(const std::string& file);
// The same on a parsed file: problems go to root.problems() and reading goes on.
CloudConfig read_cloud_config(const ConfigNode& root);

}  // namespace outpost::cloud

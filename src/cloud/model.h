// What outpost-cloud stores: device and module identities, twins, service policies,
// configurations (deployments at scale), what a deployment applied to a device, queued
// cloud-to-device messages and telemetry events. Plain values; JSON forms in model_json.h.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "outpost/core/message.h"
#include "outpost/core/twin.h"
#include "outpost/iothub/identity.h"

namespace outpost::cloud {

struct SymmetricKeys {
  std::string primary;    // base64
  std::string secondary;  // base64
  bool operator==(const SymmetricKeys&) const = default;
};

// IoT Hub's authentication types ("sas", "selfSigned", "certificateAuthority", "none").
// Only "sas" can connect to outpost-cloud today; the others are stored faithfully.
enum class AuthType { sas, self_signed, certificate_authority, none };
const char* auth_type_name(AuthType type);
std::optional<AuthType> parse_auth_type(std::string_view name);

struct Authentication {
  AuthType type = AuthType::sas;
  SymmetricKeys keys;
  std::string primary_thumbprint;
  std::string secondary_thumbprint;
};

struct DeviceRecord {
  std::string device_id;
  std::string generation_id;
  std::string etag;  // unquoted; changes on every identity update
  bool enabled = true;
  std::string status_reason;
  std::string status_updated_time;  // ISO 8601
  Authentication authentication;
  bool iot_edge = false;  // capabilities.iotEdge
  // Edge devices own a scope "ms-azure-iot-edge://{id}-{generation}"; a leaf device's
  // deviceScope and parentScopes[0] name its parent edge's scope; a child edge device's
  // parentScopes[0] names its parent's.
  std::string device_scope;
  std::vector<std::string> parent_scopes;
};

struct ModuleRecord {
  std::string device_id;
  std::string module_id;
  std::string generation_id;
  std::string etag;
  std::string managed_by;
  Authentication authentication;
};

struct TwinRecord {
  iothub::Identity identity;
  nlohmann::json tags = nlohmann::json::object();
  TwinProperties properties;
  std::int64_t version = 1;  // bumps on any change (tags, desired, reported)
  std::string etag;          // unquoted; changes with version
  std::string model_id;
};

// Shared access policy rights, as IoT Hub names them.
namespace rights {
inline constexpr std::uint32_t kRegistryRead = 1;
inline constexpr std::uint32_t kRegistryWrite = 2;
inline constexpr std::uint32_t kServiceConnect = 4;
inline constexpr std::uint32_t kDeviceConnect = 8;
inline constexpr std::uint32_t kAll = 15;
}  // namespace rights
// "RegistryRead, ServiceConnect" style; unknown names are errors (nullopt).
std::optional<std::uint32_t> parse_rights(const std::vector<std::string>& names);
std::string rights_to_string(std::uint32_t rights);

struct PolicyRecord {
  std::string name;
  SymmetricKeys keys;
  std::uint32_t rights = 0;
};

// A configuration (IoT Edge deployment at scale) as IoT Hub's REST API carries it.
struct ConfigurationRecord {
  std::string id;
  std::string schema_version = "1.0";
  nlohmann::json labels = nlohmann::json::object();
  nlohmann::json content = nlohmann::json::object();  // {"modulesContent": {...}}
  std::string target_condition;
  std::int64_t priority = 0;
  std::string created_time;  // ISO 8601
  std::string updated_time;
  std::string etag;
  nlohmann::json metric_queries = nlohmann::json::object();  // metrics.queries: name -> query
};

// What deployments (or applyConfigurationContent) last applied to one edge device.
struct DeviceContentRecord {
  std::string device_id;
  nlohmann::json modules_content = nlohmann::json::object();  // module id -> desired properties
  std::vector<std::string> configurations;  // ids of the applied deployments (empty: applied directly)
  std::string deployment_hash;              // of the last deployment result applied ("" = none)
};

// A cloud-to-device message waiting for its device's PUBACK.
struct C2dRecord {
  std::int64_t seq = 0;  // assigned by the storage, increasing
  std::string device_id;
  Message message;
  std::int64_t enqueued_ms = 0;
  std::int64_t expiry_ms = 0;
  int delivery_count = 0;
};

// A device-to-cloud message as stored: the message with its system properties (including
// connectionDeviceId/ModuleId and enqueuedTime as the cloud stamped them).
struct TelemetryEvent {
  std::int64_t seq = 0;  // increasing, assigned when appended
  std::int64_t enqueued_ms = 0;
  std::string device_id;
  std::string module_id;  // empty for devices
  Message message;
  std::size_t stored_size() const { return message.counted_size() + device_id.size() + module_id.size(); }
};

}  // namespace outpost::cloud

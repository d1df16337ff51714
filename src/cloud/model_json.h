// JSON forms of the records in model.h. Devices, modules and configurations use IoT Hub's
// REST shapes (the same documents serve the API and the storage); twins, policies and
// messages have storage forms. Parsing here trusts its input (it comes from our own
// storage); untrusted API bodies are validated in registry.cpp / configurations.cpp.
#pragma once
#include <nlohmann/json.hpp>

#include "model.h"
#include "outpost/core/message.h"

namespace outpost::cloud {

nlohmann::json authentication_json(const Authentication& auth);
Authentication authentication_from_json(const nlohmann::json& j);

// IoT Hub's device document, without the runtime fields (connectionState, lastActivityTime).
nlohmann::json device_json(const DeviceRecord& device);
DeviceRecord device_from_json(const nlohmann::json& j);

nlohmann::json module_json(const ModuleRecord& module);
ModuleRecord module_from_json(const nlohmann::json& j);

nlohmann::json twin_storage_json(const TwinRecord& twin);
TwinRecord twin_from_storage_json(const nlohmann::json& j);

nlohmann::json policy_json(const PolicyRecord& policy);
PolicyRecord policy_from_json(const nlohmann::json& j);

// IoT Hub's configuration document (without systemMetrics, which are computed on read).
nlohmann::json configuration_json(const ConfigurationRecord& config);
ConfigurationRecord configuration_from_json(const nlohmann::json& j);

nlohmann::json device_content_json(const DeviceContentRecord& content);
DeviceContentRecord device_content_from_json(const nlohmann::json& j);

// Property lists keep order and null values: [["name","value"],["bare",null]].
nlohmann::json properties_json(const PropertyList& list);
PropertyList properties_from_json(const nlohmann::json& j);
// {"system":[...],"application":[...],"body":"<base64>"}
nlohmann::json message_storage_json(const Message& message);
Message message_from_storage_json(const nlohmann::json& j);

}  // namespace outpost::cloud

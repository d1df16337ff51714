// An IoT Hub identity: a device, or a module of a device.
#pragma once
#include <optional>
#include <string>

namespace outpost::iothub {

struct Identity {
  std::string device_id;
  std::optional<std::string> module_id;

  bool is_module() const { return module_id.has_value(); }
  // "d" or "d/m": the MQTT client id and the key used in registries and metrics.
  std::string id() const { return module_id ? device_id + "/" + *module_id : device_id; }
  bool operator==(const Identity&) const = default;
};

}  // namespace outpost::iothub

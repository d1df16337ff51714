// IoT Hub connection strings: "HostName=h;DeviceId=d;ModuleId=m;SharedAccessKey=k".
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "outpost/core/result.h"

namespace outpost {

struct ConnectionString {
  std::string host_name;
  std::optional<std::string> device_id;
  std::optional<std::string> module_id;
  std::optional<std::string> shared_access_key;       // base64
  std::optional<std::string> shared_access_key_name;  // service policy (iothubowner, ...)
  std::optional<std::string> shared_access_signature; // a ready-made token
  std::optional<std::string> gateway_host_name;
  bool x509 = false;

  bool is_service() const { return shared_access_key_name.has_value() && !device_id; }
  std::string to_string() const;
};

// Errors name the missing or unknown part, e.g. "connection string: missing HostName".
// Values may contain '=' (base64 keys); keys are matched case-sensitively as the SDKs do.
Result<ConnectionString> parse_connection_string(std::string_view text);

}  // namespace outpost

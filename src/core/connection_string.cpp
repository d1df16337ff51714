#include "outpost/core/connection_string.h"

#include <fmt/format.h>

#include "outpost/core/encoding.h"

namespace outpost {

Result<ConnectionString> parse_connection_string(std::string_view text) {
  ConnectionString cs;
  bool have_host = false;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find(';', start);
    if (end == std::string_view::npos) end = text.size();
    const auto part = text.substr(start, end - start);
    start = end + 1;
    if (part.empty()) continue;  // tolerate "a=b;" and ";;"
    const auto eq = part.find('=');
    if (eq == std::string_view::npos || eq == 0)
      return make_error(fmt::format("connection string: part '{}' is not Key=Value",
                                    part.substr(0, 40)));
    const auto key = part.substr(0, eq);
    std::string value(part.substr(eq + 1));
    if (value.empty())
      return make_error(fmt::format("connection string: {} is empty", key));
    if (key == "HostName") {
      cs.host_name = std::move(value);
      have_host = true;
    } else if (key == "DeviceId") {
      cs.device_id = std::move(value);
    } else if (key == "ModuleId") {
      cs.module_id = std::move(value);
    } else if (key == "SharedAccessKey") {
      cs.shared_access_key = std::move(value);
    } else if (key == "SharedAccessKeyName") {
      cs.shared_access_key_name = std::move(value);
    } else if (key == "SharedAccessSignature") {
      cs.shared_access_signature = std::move(value);
    } else if (key == "GatewayHostName") {
      cs.gateway_host_name = std::move(value);
    } else if (key == "x509") {
      if (!iequals(value, "true") && !iequals(value, "false"))
        return make_error("connection string: x509 must be true or false");
      cs.x509 = iequals(value, "true");
    } else {
      return make_error(fmt::format("connection string: unknown part '{}'", key));
    }
  }
  if (!have_host) return make_error("connection string: missing HostName");
  if (cs.module_id && !cs.device_id)
    return make_error("connection string: ModuleId given without DeviceId");
  if (!cs.device_id && !cs.shared_access_key_name)
    return make_error("connection string: missing DeviceId (or SharedAccessKeyName for a service)");
  const bool has_auth = cs.shared_access_key || cs.shared_access_signature || cs.x509;
  if (!has_auth)
    return make_error("connection string: missing SharedAccessKey (or SharedAccessSignature, or x509=true)");
  if (cs.shared_access_key_name && !cs.shared_access_key && !cs.shared_access_signature)
    return make_error("connection string: SharedAccessKeyName needs a SharedAccessKey");
  return cs;
}

std::string ConnectionString::to_string() const {
  std::string out = "HostName=" + host_name;
  if (device_id) out += ";DeviceId=" + *device_id;
  if (module_id) out += ";ModuleId=" + *module_id;
  if (shared_access_key_name) out += ";SharedAccessKeyName=" + *shared_access_key_name;
  if (shared_access_key) out += ";SharedAccessKey=" + *shared_access_key;
  if (shared_access_signature) out += ";SharedAccessSignature=" + *shared_access_signature;
  if (gateway_host_name) out += ";GatewayHostName=" + *gateway_host_name;
  if (x509) out += ";x509=true";
  return out;
}

}  // namespace outpost

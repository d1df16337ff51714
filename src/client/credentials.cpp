#include "credentials.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>

#include <fmt/format.h>

#include "outpost/client/client_error.h"
#include "outpost/core/connection_string.h"
#include "outpost/core/crypto.h"
#include "outpost/core/encoding.h"
#include "outpost/core/sas_token.h"

namespace outpost::client::detail {

TemporaryFile::TemporaryFile(const std::string& contents) {
  const char* dir = std::getenv("TMPDIR");
  std::string pattern = fmt::format("{}/outpost-client-XXXXXX", dir && *dir ? dir : "/tmp");
  const int fd = ::mkstemp(pattern.data());
  if (fd < 0) throw ClientError(ErrorCode::invalid_argument, "cannot create a temporary file in " + pattern);
  path_ = pattern;
  std::size_t written = 0;
  while (written < contents.size()) {
    const auto n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (written != contents.size()) {
    ::unlink(path_.c_str());
    throw ClientError(ErrorCode::invalid_argument, "cannot write the trust bundle to " + path_);
  }
}

TemporaryFile::~TemporaryFile() { ::unlink(path_.c_str()); }

std::string Credentials::sas_token(std::chrono::seconds lifetime) const {
  const auto expiry = static_cast<std::int64_t>(std::time(nullptr)) + lifetime.count();
  // IoT Hub signs the resource as sent: url-encoded, then "\n" and the expiry.
  const auto resource = url_encode(device_resource_uri(iothub_host, device_id,
                                                       module_id.empty() ? std::nullopt
                                                                         : std::optional<std::string_view>(module_id)));
  const auto signature = sign(resource + "\n" + std::to_string(expiry));
  return fmt::format("SharedAccessSignature sr={}&sig={}&se={}", resource, url_encode(signature), expiry);
}

Credentials credentials_from_connection_string(const std::string& text, const ClientOptions& options,
                                               bool module_required) {
  auto parsed = parse_connection_string(text);
  if (!parsed) throw ClientError(ErrorCode::invalid_argument, parsed.error());
  const auto& cs = *parsed;
  if (!cs.device_id) throw ClientError(ErrorCode::invalid_argument, "connection string: missing DeviceId");
  if (module_required && !cs.module_id)
    throw ClientError(ErrorCode::invalid_argument, "connection string: missing ModuleId (a module client needs one)");
  if (!module_required && cs.module_id)
    throw ClientError(ErrorCode::invalid_argument, "connection string: names a module; use ModuleClient");
  Credentials credentials;
  credentials.iothub_host = cs.host_name;
  credentials.device_id = *cs.device_id;
  credentials.module_id = cs.module_id.value_or("");
  credentials.gateway_host = cs.gateway_host_name.value_or(cs.host_name);
  credentials.mqtt_port = options.mqttPort;
  if (const auto colon = credentials.gateway_host.rfind(':'); colon != std::string::npos) {
    // host:port selects the MQTT port, as it does for the official SDKs.
    const auto port = std::atoi(credentials.gateway_host.c_str() + colon + 1);
    if (port <= 0 || port > 65535)
      throw ClientError(ErrorCode::invalid_argument, "connection string: GatewayHostName has a bad port");
    credentials.mqtt_port = static_cast<std::uint16_t>(port);
    credentials.gateway_host.resize(colon);
  }
  credentials.ca_file = options.caFile;
  if (cs.x509) {
    if (options.certificateFile.empty() || options.privateKeyFile.empty())
      throw ClientError(ErrorCode::invalid_argument,
                        "connection string: x509=true needs ClientOptions::certificateFile and privateKeyFile");
    credentials.certificate_file = options.certificateFile;
    credentials.private_key_file = options.privateKeyFile;
    return credentials;
  }
  if (!cs.shared_access_key) throw ClientError(ErrorCode::invalid_argument, "connection string: missing SharedAccessKey");
  auto key = base64_decode(*cs.shared_access_key);
  if (!key) throw ClientError(ErrorCode::invalid_argument, "connection string: SharedAccessKey is not base64");
  credentials.sign = [key = std::move(*key)](const std::string& data) { return base64_encode(hmac_sha256(key, data)); };
  return credentials;
}

}  // namespace outpost::client::detail

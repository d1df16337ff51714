// Who a client is and how it proves it: the identity, where it connects (IoT Hub or a
// gateway), the TLS trust, and a source of fresh SAS tokens (a local key, or the workload
// API's signature) or an X.509 certificate.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "outpost/client/client_options.h"

namespace outpost::client::detail {

// A file the client wrote (the workload API's trust bundle), removed with the client.
class TemporaryFile {
 public:
  explicit TemporaryFile(const std::string& contents);  // throws ClientError
  ~TemporaryFile();
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct Credentials {
  std::string iothub_host;   // names the hub in tokens and the MQTT user name
  std::string device_id;
  std::string module_id;     // empty: a device
  std::string gateway_host;  // where to connect: the gateway, or the hub itself
  std::uint16_t mqtt_port = 8883;
  std::string ca_file;       // empty: the system's trust store
  std::shared_ptr<TemporaryFile> owned_ca;  // when ca_file was written by us
  std::string certificate_file;  // X.509 authentication
  std::string private_key_file;
  // Signs "<url-encoded resource>\n<expiry>" (base64 HMAC-SHA256); empty for X.509.
  std::function<std::string(const std::string& string_to_sign)> sign;

  // A SAS token valid for `lifetime` from now; throws ClientError.
  std::string sas_token(std::chrono::seconds lifetime) const;
  std::string client_id() const { return module_id.empty() ? device_id : device_id + "/" + module_id; }
};

// From "HostName=…;DeviceId=…[;ModuleId=…];SharedAccessKey=…[;GatewayHostName=h[:port]]" or
// x509=true; throws ClientError(invalid_argument) naming what is missing.
Credentials credentials_from_connection_string(const std::string& text, const ClientOptions& options,
                                               bool module_required);

}  // namespace outpost::client::detail

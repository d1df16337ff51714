// Module identities in the cloud registry (Azure IoT Hub, or outpost-cloud): created with the
// edge device's own SAS token or, for an X.509 device, its client certificate, with keys derived from the daemon's master key, as IoT Edge's
// identity service keeps them — so a module's token, signed by the workload API, verifies in
// the cloud and in any hub that learns the module's keys from it.
#pragma once
#include <chrono>
#include <string>

#include "key_store.h"
#include "outpost/core/result.h"
#include "outpost/net/http_client_types.h"

namespace outpost::daemon {

struct CloudRegistrySettings {
  std::string hostname;    // the IoT Hub host name (token audience)
  std::string device_id;
  std::string device_key;  // base64: a secret (SAS)
  std::string client_cert_file;  // X.509: the device's identity certificate and key (then no SAS)
  std::string client_key_file;
  std::string api_base;    // "https://{hostname}"
  std::string ca_file;     // trust for the cloud's certificate; "" = the system's
  std::chrono::seconds timeout{10};  // IoT Edge's cloud_timeout_sec
};

class CloudRegistry {
 public:
  CloudRegistry(CloudRegistrySettings settings, const KeyStore& keys);

  // The module's identity exists in the cloud with the derived keys of its generation;
  // returns that generation id. Created when missing, its keys set when they differ.
  Result<std::string> ensure_module(const std::string& module_id, const std::string& managed_by);
  // Deleted from the cloud; a module already gone is fine.
  Status delete_module(const std::string& module_id);

 private:
  std::string module_url(const std::string& module_id) const;
  net::Headers credentials() const;
  net::HttpClientOptions fetch_options() const;

  CloudRegistrySettings settings_;
  const KeyStore& keys_;
};

}  // namespace outpost::daemon

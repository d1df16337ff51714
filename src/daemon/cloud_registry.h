// Module identities in the cloud registry (Azure IoT Hub, or outpost-cloud): created with the
// edge device's own SAS token, with keys derived from the daemon's master key, as IoT Edge's
// identity service keeps them — so a module's token, signed by the workload API, verifies in
// the cloud and in any hub that learns the module's keys from it.
#pragma once
#include <chrono>
#include <string>

#include "key_store.h"
#include "outpost/core/result.h"

namespace outpost::daemon {

struct CloudRegistrySettings {
  std::string hostname;    // the IoT Hub host name (token audience)
  std::string device_id;
  std::string device_key;  // base64: a secret
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
  std::string token() const;

  CloudRegistrySettings settings_;
  const KeyStore& keys_;
};

}  // namespace outpost::daemon

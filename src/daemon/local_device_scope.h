// `provisioning: local`: outpostd is its modules' identity authority, so it answers the hub
// the way IoT Hub answers edgeHub — the device-scope API (`POST /devices/{edge}/modules/
// $edgeHub/devicesAndModulesInTargetDeviceScope`) on the management socket, with each module's
// derived keys — and a device without any cloud authenticates its modules. Only $edgeHub's
// own token (signed with its derived key, as the hub signs with the workload API) is accepted.
#pragma once
#include <string>

#include "identity_store.h"
#include "key_store.h"
#include "outpost/net/http_server.h"

namespace outpost::daemon {

class LocalDeviceScope {
 public:
  LocalDeviceScope(std::string iothub_hostname, std::string device_id, const KeyStore& keys,
                   const IdentityStore& identities);

  // Whether `request` is for this API (then handle() answers it).
  static bool is_device_scope_path(const net::HttpRequest& request);
  net::HttpResponse handle(const net::HttpRequest& request) const;

 private:
  std::string hostname_;
  std::string device_id_;
  const KeyStore& keys_;
  const IdentityStore& identities_;
};

}  // namespace outpost::daemon

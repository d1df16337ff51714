// Decides who an MQTT CONNECT is: the user name's host must be one of the hub's names,
// user name and client id must name the same identity, and the password must be a SAS
// token for that identity, signed with one of its keys.
#pragma once
#include <string>
#include <vector>

#include "identity_registry.h"
#include "outpost/iothub/identity.h"
#include "outpost/mqtt_codec/packets.h"

namespace outpost::hub {

struct AuthDecision {
  mqtt::ConnectReturnCode code = mqtt::ConnectReturnCode::not_authorized;
  iothub::Identity identity;
  std::string reason;  // why it was refused, for the log
  bool ok() const { return code == mqtt::ConnectReturnCode::accepted; }
};

struct AuthSettings {
  std::vector<std::string> accepted_hosts;  // hub host name, gateway host name
  std::string edge_device_id;               // modules must belong to this device
};

AuthDecision authenticate(const mqtt::ConnectPacket& connect, const IdentityRegistry& identities,
                          const AuthSettings& settings, std::int64_t now_unix_seconds);

}  // namespace outpost::hub

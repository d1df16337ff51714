// Decides who an MQTT CONNECT is: the user name's host must be one of the hub's names,
// user name and client id must name the same identity, and either the password is a SAS
// token for that identity, signed with one of its keys, or — no password — the client
// certificate the TLS handshake presented is the identity's X.509 registration (IoT Hub's
// selfSigned thumbprints, or certificateAuthority: a chain to tls.device_ca_certs and the
// device id as common name).
#pragma once
#include <string>
#include <vector>

#include "identity_registry.h"
#include "outpost/iothub/identity.h"
#include "outpost/mqtt_codec/packets.h"
#include "outpost/net/tls.h"

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
  std::string device_ca_pem;                // CAs of certificateAuthority devices (PEM); empty: none
};

// `certificate`: what the client presented in the TLS handshake, if anything.
AuthDecision authenticate(const mqtt::ConnectPacket& connect, const IdentityRegistry& identities,
                          const AuthSettings& settings, std::int64_t now_unix_seconds,
                          const net::ClientCertificate* certificate = nullptr);

}  // namespace outpost::hub

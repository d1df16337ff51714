// Who an MQTT CONNECT to outpost-cloud is, decided as IoT Hub decides it.
//
// Direct: client id = "{d}" or "{d}/{m}", user name "{host}/{d}[/{m}]/?api-version=..."
// whose host is this hub's host name (any case; another host: CONNACK 5),
// password = a SAS token for host/devices/{d}[/modules/{m}] signed with that identity's
// key (or with a policy key that has DeviceConnect, naming it in skn) — or no password and
// a client certificate in the TLS handshake (X.509, certificate_auth.h).
//
// On behalf of (an edge hub's upstream; one connection per downstream identity):
// the user name carries auth-chain={target};{edge}[;{parent edge}...] and the password is
// a SAS token of the *acting* edge hub — the last device in the chain — for
// host/devices/{edge}/modules/$edgeHub, signed with $edgeHub's module key. Accepted when
// that token verifies, the acting device is an enabled edge device, and the target is a
// module of the first edge in the chain, or a device whose parent is that edge, with each
// further edge the parent of the one before it.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model.h"
#include "outpost/iothub/identity.h"
#include "outpost/mqtt_codec/packets.h"
#include "outpost/net/tls.h"

namespace outpost::cloud {

// What authentication needs to know of the registry.
struct IdentityLookup {
  std::function<std::optional<DeviceRecord>(const std::string& device_id)> device;
  std::function<std::optional<ModuleRecord>(const std::string& device_id, const std::string& module_id)> module;
  std::function<std::optional<PolicyRecord>(const std::string& name)> policy;
  // The edge device whose scope the device sits in (its parent), if any.
  std::function<std::optional<std::string>(const DeviceRecord& device)> parent_of;
};

// The registered authentication of an enabled identity, or why there is none to check against
// (not registered, disabled).
struct IdentityAuthentication {
  std::optional<Authentication> authentication;
  std::string refusal;
};
IdentityAuthentication registered_authentication(const iothub::Identity& identity, const IdentityLookup& lookup);

struct DeviceAuthDecision {
  mqtt::ConnectReturnCode code = mqtt::ConnectReturnCode::not_authorized;
  iothub::Identity identity;
  std::optional<std::string> acting_edge;  // set for on-behalf-of connections
  std::string reason;                      // why it was refused, for the log
  bool ok() const { return code == mqtt::ConnectReturnCode::accepted; }
};

// X.509: with no password, the client certificate of the TLS handshake (certificate_auth.h)
// must authenticate the identity; `device_ca_pem` holds the CAs of certificateAuthority devices.
struct PresentedCertificate {
  const net::ClientCertificate* certificate = nullptr;
  const std::string* device_ca_pem = nullptr;
};
DeviceAuthDecision authenticate_device(const mqtt::ConnectPacket& connect, const std::string& hostname,
                                       const IdentityLookup& lookup, std::int64_t now_unix_seconds,
                                       PresentedCertificate x509 = {});

// Checks an auth chain "{target};{edge}[;{parent}...]" for `target` on behalf of the
// last edge in it: links, capabilities, status. Returns the acting edge or a reason.
struct ChainCheck {
  std::optional<std::string> acting_edge;
  std::string reason;
};
ChainCheck check_auth_chain(const std::string& chain, const iothub::Identity& target, const IdentityLookup& lookup);

// Verifies a token of `edge`'s $edgeHub module (device-scope API and on-behalf-of).
std::optional<std::string> verify_edge_hub_token(const std::string& token, const std::string& edge_device_id,
                                                 const std::string& hostname, const IdentityLookup& lookup,
                                                 std::int64_t now_unix_seconds);

// Verifies an edge device's own token (sr={host}/devices/{edge}): how an edge device's
// security daemon manages its module identities, as IoT Edge's identity service does.
std::optional<std::string> verify_edge_device_token(const std::string& token, const std::string& edge_device_id,
                                                    const std::string& hostname, const IdentityLookup& lookup,
                                                    std::int64_t now_unix_seconds);

}  // namespace outpost::cloud

// IoT Hub's X.509 authentication: a device (or module) that presented a client certificate in
// the TLS handshake — which proved it holds the certificate's key — is the identity it names when
//  - selfSigned: the certificate's SHA-1 or SHA-256 thumbprint is the registered primary or
//    secondary thumbprint (hex; case and colons do not matter), or
//  - certificateAuthority (devices only): the chain verifies for client authentication against
//    the CAs of cloud.yaml's tls.device_ca_certs (IoT Hub's verified CA certificates) and the
//    certificate's common name is the device id.
#pragma once
#include <optional>
#include <string>

#include "device_auth.h"
#include "outpost/net/tls.h"

namespace outpost::cloud {

// nullopt when `certificate` authenticates `identity`, else the reason it does not.
// `device_ca_pem`: the verified CAs (PEM; empty: none).
std::optional<std::string> verify_client_certificate(const net::ClientCertificate& certificate,
                                                     const iothub::Identity& identity, const IdentityLookup& lookup,
                                                     const std::string& device_ca_pem, std::int64_t now_unix_seconds);

}  // namespace outpost::cloud

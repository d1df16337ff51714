// IoT Hub's two X.509 checks of a client certificate that the TLS handshake presented (the
// client proved it holds the key), shared by the edge hub and the cloud:
//  - selfSigned: its SHA-1 or SHA-256 thumbprint is a registered one (hex; case, spaces and
//    colons do not matter);
//  - certificateAuthority: the chain the client sent verifies, for client authentication,
//    up to one of the trusted device CAs (the caller then checks the common name).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "outpost/net/tls.h"

namespace outpost::net {

// "AB:cd:12" -> "ABCD12": thumbprints as registries compare them.
std::string normalized_thumbprint(const std::string& thumbprint);
// Whether `registered` (possibly empty: never) is the certificate's SHA-1 or SHA-256 thumbprint.
bool thumbprint_matches(const ClientCertificate& certificate, const std::string& registered);
// nullopt when the chain verifies against `ca_pem` (PEM, one or more CAs) at `now`; else why not.
std::optional<std::string> verify_client_chain(const ClientCertificate& certificate, const std::string& ca_pem,
                                               std::int64_t now_unix_seconds);

}  // namespace outpost::net

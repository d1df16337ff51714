#include "certificate_auth.h"

#include <fmt/format.h>

#include "outpost/net/x509_check.h"

namespace outpost::cloud {

using net::thumbprint_matches;

std::optional<std::string> verify_client_certificate(const net::ClientCertificate& certificate,
                                                     const iothub::Identity& identity, const IdentityLookup& lookup,
                                                     const std::string& device_ca_pem, std::int64_t now) {
  const auto registered = registered_authentication(identity, lookup);
  if (!registered.authentication) return registered.refusal;
  const Authentication* auth = &*registered.authentication;
  switch (auth->type) {
    case AuthType::self_signed:
      if (thumbprint_matches(certificate, auth->primary_thumbprint) ||
          thumbprint_matches(certificate, auth->secondary_thumbprint))
        return std::nullopt;
      return fmt::format("the client certificate's thumbprint ({}) is not one registered for '{}'",
                         certificate.sha1_thumbprint, identity.id());
    case AuthType::certificate_authority:
      if (identity.module_id) return fmt::format("'{}': certificateAuthority is for devices only", identity.id());
      if (certificate.subject_common_name != identity.device_id)
        return fmt::format("the client certificate's common name '{}' is not the device id '{}'",
                           certificate.subject_common_name, identity.device_id);
      return net::verify_client_chain(certificate, device_ca_pem, now);
    default:
      return fmt::format("'{}' does not use X.509 (authentication type {})", identity.id(), auth_type_name(auth->type));
  }
}

}  // namespace outpost::cloud

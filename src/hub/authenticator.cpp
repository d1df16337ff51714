#include "authenticator.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "outpost/iothub/username.h"
#include "outpost/net/x509_check.h"

namespace outpost::hub {

namespace {

// nullopt when `certificate` is `identity`'s registered X.509 credential, else why not.
std::optional<std::string> check_x509(const net::ClientCertificate& certificate, const iothub::Identity& identity,
                                      const X509Registration& x509, const AuthSettings& settings, std::int64_t now) {
  if (!x509.certificate_authority) {
    if (net::thumbprint_matches(certificate, x509.primary_thumbprint) ||
        net::thumbprint_matches(certificate, x509.secondary_thumbprint))
      return std::nullopt;
    return fmt::format("the client certificate's thumbprint ({}) is not one registered for '{}'",
                       certificate.sha1_thumbprint, identity.id());
  }
  if (certificate.subject_common_name != identity.device_id)
    return fmt::format("the client certificate's common name '{}' is not the device id '{}'",
                       certificate.subject_common_name, identity.device_id);
  return net::verify_client_chain(certificate, settings.device_ca_pem, now);
}

// Why an identity without this kind of credential is refused: unknown (which makes the hub
// ask the cloud's scope again, edge_hub.cpp), or registered with the other kind.
std::string not_registered_with(const IdentityRegistry& identities, const iothub::Identity& identity,
                                std::string_view uses_instead) {
  if (!identities.contains(identity)) return fmt::format("unknown identity '{}'", identity.id());
  return fmt::format("'{}' authenticates with {}", identity.id(), uses_instead);
}

}  // namespace

AuthDecision authenticate(const mqtt::ConnectPacket& connect, const IdentityRegistry& identities,
                          const AuthSettings& settings, std::int64_t now_unix_seconds,
                          const net::ClientCertificate* certificate) {
  using mqtt::ConnectReturnCode;
  AuthDecision d;
  if (!connect.username) {
    d.code = ConnectReturnCode::bad_username_or_password;
    d.reason = "no user name";
    return d;
  }
  auto username = iothub::parse_mqtt_username(*connect.username);
  if (!username) {
    d.code = ConnectReturnCode::bad_username_or_password;
    d.reason = username.error();
    return d;
  }
  d.identity = username->identity;
  // The SAS audience is checked against the same names below; the user name must agree.
  if (!iothub::host_accepted(username->host, settings.accepted_hosts)) {
    d.reason = fmt::format("the user name names host '{}', not this hub ('{}')", username->host,
                           fmt::join(settings.accepted_hosts, "' or '"));
    return d;
  }
  if (connect.client_id != d.identity.id()) {
    d.code = ConnectReturnCode::identifier_rejected;
    d.reason = fmt::format("client id '{}' does not match the user name's identity '{}'",
                           connect.client_id, d.identity.id());
    return d;
  }
  // Modules of other devices do not connect here — except a child edge device's own hub,
  // `{child}/$edgeHub`, which acts for it upstream (nested edge: a $upstream bridge, its
  // telemetry and twin); it must still be in the registry with its key, as any identity.
  if (d.identity.module_id && d.identity.device_id != settings.edge_device_id && *d.identity.module_id != "$edgeHub") {
    d.reason = fmt::format("module '{}' does not belong to this edge device '{}'", d.identity.id(),
                           settings.edge_device_id);
    return d;
  }
  if (!connect.password || connect.password->empty()) {
    if (certificate == nullptr) {
      d.code = ConnectReturnCode::bad_username_or_password;
      d.reason = "no SAS token in the password and no client certificate";
      return d;
    }
    const auto* x509 = identities.x509(d.identity);
    if (x509 == nullptr) {
      d.reason = not_registered_with(identities, d.identity, "a SAS token, not a certificate");
      return d;
    }
    if (auto refused = check_x509(*certificate, d.identity, *x509, settings, now_unix_seconds)) {
      d.reason = "X.509: " + *refused;
      return d;
    }
    d.code = ConnectReturnCode::accepted;
    return d;
  }
  const auto* keys = identities.keys(d.identity);
  if (keys == nullptr) {
    d.reason = not_registered_with(identities, d.identity, "an X.509 certificate, not a SAS token");
    return d;
  }
  const SasAudience audience{settings.accepted_hosts, d.identity.device_id, d.identity.module_id};
  const auto verdict = verify_sas_token(*connect.password, *keys, &audience, now_unix_seconds);
  if (!verdict.ok()) {
    d.reason = "SAS token refused: " + verdict.detail;
    return d;
  }
  d.code = ConnectReturnCode::accepted;
  return d;
}

}  // namespace outpost::hub

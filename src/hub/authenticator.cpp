#include "authenticator.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "outpost/iothub/username.h"

namespace outpost::hub {

AuthDecision authenticate(const mqtt::ConnectPacket& connect, const IdentityRegistry& identities,
                          const AuthSettings& settings, std::int64_t now_unix_seconds) {
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
  if (d.identity.module_id && d.identity.device_id != settings.edge_device_id) {
    d.reason = fmt::format("module '{}' does not belong to this edge device '{}'", d.identity.id(),
                           settings.edge_device_id);
    return d;
  }
  if (!connect.password || connect.password->empty()) {
    d.code = ConnectReturnCode::bad_username_or_password;
    d.reason = "no SAS token in the password (X.509 client certificates are not supported yet)";
    return d;
  }
  const auto* keys = identities.keys(d.identity);
  if (keys == nullptr) {
    d.reason = fmt::format("unknown identity '{}'", d.identity.id());
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

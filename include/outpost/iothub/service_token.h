// Who may call a service REST API (the cloud's, the edge hub's management API): a SAS token
// signed with a shared access policy's key and naming it,
//   SharedAccessSignature sr={host}[/{resource}]&sig=...&se=...&skn={policy}
// whose `sr` covers what the request acts on. As IoT Hub scopes tokens, `sr` = the hub's
// host name covers every request; a longer `sr` covers only resources it is a prefix of,
// segment by segment: `{host}/devices/d1` covers device d1 and its modules (twins, methods,
// C2D), not other devices and not hub-wide operations (listing, queries, configurations,
// statistics, status). Host names compare case-insensitively, as DNS names do; the rest of
// `sr` exactly (device ids are case-sensitive in IoT Hub). What a request acts on is
// iothub::service_resource (service_paths.h).
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "outpost/core/result.h"
#include "outpost/core/sas_token.h"

namespace outpost::iothub {

// Why a token for `sr` (decoded once) does not cover `resource` of the hub `hostname`, or
// nullopt when it does.
std::optional<std::string> scope_refusal(std::string_view sr, std::string_view hostname, std::string_view resource);

// The keys of a shared access policy, by name; nullopt when there is no such policy.
using PolicyKeys = std::function<std::optional<SasKeys>(const std::string& policy)>;

// The policy that signed `authorization` for a request on `resource`, or why the request is
// refused (the text of a 401): no or malformed token, no skn, another hub, an unknown
// policy, a bad signature or an expired token, a scope that does not cover `resource`.
Result<std::string> verify_service_token(const std::optional<std::string>& authorization, std::string_view hostname,
                                         const PolicyKeys& keys_of, std::string_view resource,
                                         std::int64_t now_unix_seconds);

}  // namespace outpost::iothub

#include "cloud/service_auth.h"

#include <fmt/format.h>

#include "outpost/core/encoding.h"
#include "outpost/core/sas_token.h"

namespace outpost::cloud {

Outcome<PolicyRecord> ServiceAuth::authorize(const std::optional<std::string>& authorization,
                                             std::uint32_t needed) const {
  if (!authorization || authorization->empty())
    return unauthorized("missing Authorization header (SharedAccessSignature sr=...&sig=...&se=...&skn=...)");
  const auto token = parse_sas_token(*authorization);
  if (!token) return unauthorized("Authorization: " + token.error());
  if (!token->key_name) return unauthorized("the token names no shared access policy (skn)");
  // sr is the hub host name; IoT Hub also accepts tokens scoped below it (host/devices/...).
  const auto& sr = token->resource_uri;
  if (!iequals(sr, hostname_) && !iequals(sr.substr(0, hostname_.size() + 1), hostname_ + "/"))
    return unauthorized(fmt::format("the token is for '{}', not for this hub ('{}')", sr, hostname_));
  const auto policy = storage_.get_policy(*token->key_name);
  if (!policy) return unauthorized(fmt::format("unknown shared access policy '{}'", *token->key_name));
  const auto verdict =
      verify_sas_token(*token, SasKeys{policy->keys.primary, policy->keys.secondary}, nullptr, clock_.unix_seconds());
  if (!verdict.ok()) return unauthorized(fmt::format("policy '{}': {}", policy->name, verdict.detail));
  if ((policy->rights & needed) == 0)
    return unauthorized(fmt::format("policy '{}' has rights [{}]; this operation needs {}", policy->name,
                                    rights_to_string(policy->rights), rights_to_string(needed)));
  return *policy;
}

}  // namespace outpost::cloud

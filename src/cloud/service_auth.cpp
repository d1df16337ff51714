#include "service_auth.h"

#include <fmt/format.h>

#include "outpost/iothub/service_token.h"

namespace outpost::cloud {

Outcome<PolicyRecord> ServiceAuth::authorize(const std::optional<std::string>& authorization, std::uint32_t needed,
                                             std::string_view resource) const {
  std::optional<PolicyRecord> policy;
  const auto keys_of = [&](const std::string& name) -> std::optional<SasKeys> {
    policy = storage_.get_policy(name);
    if (!policy) return std::nullopt;
    return SasKeys{policy->keys.primary, policy->keys.secondary};
  };
  const auto verified = iothub::verify_service_token(authorization, hostname_, keys_of, resource, clock_.unix_seconds());
  if (!verified) return unauthorized(verified.error());
  if ((policy->rights & needed) == 0)
    return unauthorized(fmt::format("policy '{}' has rights [{}]; this operation needs {}", policy->name,
                                    rights_to_string(policy->rights), rights_to_string(needed)));
  return *policy;
}

}  // namespace outpost::cloud

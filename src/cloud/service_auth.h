// Who may call the service REST API: a SAS token signed with a shared access policy's
// key ("SharedAccessSignature sr={host}&sig=...&se=...&skn={policy}"), whose `sr` covers
// the resource the request acts on (iothub/service_token.h: a token for {host}/devices/d1
// reaches only d1) and whose policy grants the rights the operation needs (RegistryRead,
// RegistryWrite, ServiceConnect).
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "model.h"
#include "outcome.h"
#include "cloud_database.h"
#include "outpost/core/clock.h"

namespace outpost::cloud {

class ServiceAuth {
 public:
  ServiceAuth(CloudDatabase& storage, std::string hostname, const Clock& clock = SystemClock::instance())
      : storage_(storage), hostname_(std::move(hostname)), clock_(clock) {}

  // The policy that signed `authorization`, if it verifies, covers `resource`
  // (iothub::service_resource of the request's path, service_paths.h) and grants any of `needed`.
  Outcome<PolicyRecord> authorize(const std::optional<std::string>& authorization, std::uint32_t needed,
                                  std::string_view resource) const;

 private:
  CloudDatabase& storage_;
  std::string hostname_;
  const Clock& clock_;
};

}  // namespace outpost::cloud

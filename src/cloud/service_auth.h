// Who may call the service REST API: a SAS token signed with a shared access policy's
// key ("SharedAccessSignature sr={host}&sig=...&se=...&skn={policy}"), whose policy
// grants the rights the operation needs (RegistryRead, RegistryWrite, ServiceConnect).
#pragma once
#include <optional>
#include <string>

#include "cloud/model.h"
#include "cloud/outcome.h"
#include "cloud/storage.h"
#include "outpost/core/clock.h"

namespace outpost::cloud {

class ServiceAuth {
 public:
  ServiceAuth(Storage& storage, std::string hostname, const Clock& clock = SystemClock::instance())
      : storage_(storage), hostname_(std::move(hostname)), clock_(clock) {}

  // The policy that signed `authorization`, if it verifies and grants any of `needed`.
  Outcome<PolicyRecord> authorize(const std::optional<std::string>& authorization, std::uint32_t needed) const;

 private:
  Storage& storage_;
  std::string hostname_;
  const Clock& clock_;
};

}  // namespace outpost::cloud

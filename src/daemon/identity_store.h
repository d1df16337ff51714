// Module identities as the daemon keeps them itself (`<homedir>/identities.json`): the
// authority for a device with `provisioning: local`, and the daemon's record of which
// generation each module's keys belong to. Shapes as IoT Edge's management API gives them:
// {"moduleId", "managedBy", "generationId", "authType": "sas"}.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "outpost/core/result.h"
#include "workload_api.h"

namespace outpost::daemon {

struct StoredIdentity {
  std::string module_id;  // "$edgeAgent", "$edgeHub", "filter"
  std::string generation_id;
  std::string managed_by = "iotedge";
};

// Where identities are made when the daemon is not the authority (`provisioning: manual`):
// the cloud registry. `ensure` returns the identity's generation id there.
struct IdentityAuthority {
  std::function<Result<std::string>(const std::string& module_id, const std::string& managed_by)> ensure;
  std::function<Status(const std::string& module_id)> remove;
};

class IdentityStore {
 public:
  // Loads the file (a missing file is an empty store); a damaged one is an error.
  static Result<IdentityStore> open(std::string file);

  // With an authority, identities are made there and this store is their cache: a device
  // that boots offline still knows its modules' generations (and so their keys).
  void set_authority(IdentityAuthority authority) { authority_ = std::move(authority); }

  // The identity, created when there is none (by the authority, or here with a new
  // generation id). Saved before it returns.
  Result<StoredIdentity> get_or_create(const std::string& module_id, const std::string& managed_by);
  // The same, asking the authority again even when known: keys and generation re-synced.
  Result<StoredIdentity> refresh(const std::string& module_id, const std::string& managed_by);
  std::optional<StoredIdentity> find(const std::string& module_id) const;
  // not_found when there is no such identity.
  Status remove(const std::string& module_id);
  const std::vector<StoredIdentity>& list() const { return identities_; }

 private:
  explicit IdentityStore(std::string file) : file_(std::move(file)) {}
  Status save() const;
  Result<StoredIdentity> store(StoredIdentity identity);
  std::string file_;
  std::optional<IdentityAuthority> authority_;
  std::vector<StoredIdentity> identities_;
};

// IoT Hub's generation ids are 18 decimal digits; ours look the same.
std::string new_generation_id();

// A module's three names, kept in one place: its identity ("$edgeAgent", "$edgeHub",
// "filter"), its name in the workload API's URLs (without the '$': "edgeAgent"), and its
// runtime name (its container or process: config.yaml's agent.name for the agent,
// "edgeHub", "filter").
struct ModuleNaming {
  std::string agent_runtime_name = "edgeAgent";

  std::string identity_of_url_name(const std::string& url_name) const;
  std::string identity_of_runtime_name(const std::string& runtime_name) const;
  std::string runtime_name_of_identity(const std::string& module_id) const;
};

}  // namespace outpost::daemon

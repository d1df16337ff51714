// The last deployment the agent accepted from the cloud, kept on disk so that a device that
// boots without the cloud runs its modules at once (IoT Edge's backup.json). It may hold
// registry passwords, so it is encrypted through the workload API (under a key only this
// agent's identity and generation can use), with a fresh IV each time it is written.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "outpost/core/result.h"
#include "outpost/workload_client/workload_client.h"

namespace outpost::agent {

class DeploymentBackup {
 public:
  DeploymentBackup(std::string file, workload::WorkloadClient workload);

  Status save(const nlohmann::json& desired) const;
  // not_found when there is none yet; other errors name the file and what is wrong.
  Result<nlohmann::json> load() const;

 private:
  std::string file_;
  workload::WorkloadClient workload_;
};

}  // namespace outpost::agent

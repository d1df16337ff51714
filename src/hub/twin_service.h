// Module and device twins held by the hub, persisted in the state database so they survive
// restarts. The hub answers GET and reported PATCH from here; desired patches arrive from the
// management API (and, with an upstream, from the cloud) and are pushed to the client.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "outpost/core/result.h"
#include "outpost/core/twin.h"
#include "outpost/iothub/identity.h"
#include "outpost/kv/kv_database.h"

namespace outpost::hub {

class TwinService {
 public:
  explicit TwinService(kv::KvDatabase& kv) : kv_(kv) {}

  const TwinProperties& get(const iothub::Identity& identity);
  // Validated against IoT Hub's limits; nothing changes on error. Returns the new version.
  Result<std::int64_t> patch_reported(const iothub::Identity& identity, const nlohmann::json& patch);
  Result<std::int64_t> patch_desired(const iothub::Identity& identity, const nlohmann::json& patch);
  Result<std::int64_t> replace_desired(const iothub::Identity& identity, const nlohmann::json& desired);

  // The cloud's copy of a twin after (re)connecting: desired (and its version) is taken from
  // the cloud. Returns the merge patch a connected client needs, or nullopt if nothing changed.
  std::optional<nlohmann::json> take_cloud_twin(const iothub::Identity& identity, const nlohmann::json& twin);
  // A desired patch pushed by the cloud, with the cloud's version.
  void take_cloud_desired_patch(const iothub::Identity& identity, const nlohmann::json& patch, std::int64_t version);

 private:
  // The identity's twin, read from the state database on first use. An error (SQLite could
  // not read it) caches nothing, and callers then change nothing: a twin that could not be
  // read is never overwritten by an empty one.
  Result<TwinProperties*> load(const iothub::Identity& identity);
  Status save(const iothub::Identity& identity, const TwinProperties& twin);
  // Applies `change` to a copy, saves it, and only then replaces the cached twin: a change
  // that is refused or cannot be saved leaves both as they were.
  Result<const TwinProperties*> modify(const iothub::Identity& identity,
                                       const std::function<Status(TwinProperties&)>& change);

  kv::KvDatabase& kv_;
  std::unordered_map<std::string, TwinProperties> cache_;
};

}  // namespace outpost::hub

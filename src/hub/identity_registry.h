// The identities the hub authenticates: its own modules and the leaf devices in its scope,
// with their SAS keys. Loaded from identities.json (standalone) or, with an upstream, from
// the cloud's device-scope API (cached for offline use).
#pragma once
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "outpost/core/result.h"
#include "outpost/core/sas_token.h"
#include "outpost/iothub/identity.h"

namespace outpost::hub {

class IdentityRegistry {
 public:
  // [{"deviceId":"d","moduleId":"m"?,"primaryKey":"b64","secondaryKey":"b64"?}, ...]
  // Errors name the entry and the field.
  static Result<IdentityRegistry> from_json(const nlohmann::json& list, const std::string& source);
  // Throws ConfigError naming the file.
  static IdentityRegistry load_file(const std::string& file);

  const SasKeys* keys(const iothub::Identity& identity) const;
  void upsert(const iothub::Identity& identity, SasKeys keys);
  // Adds every identity of `other`, replacing entries with the same id.
  void merge_from(const IdentityRegistry& other);
  std::size_t size() const { return keys_.size(); }

 private:
  std::unordered_map<std::string, SasKeys> keys_;  // by Identity::id()
};

}  // namespace outpost::hub

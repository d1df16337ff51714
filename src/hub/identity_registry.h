// The identities the hub authenticates: its own modules and the leaf devices in its scope,
// with their SAS keys or X.509 registration (IoT Hub's selfSigned thumbprints, or
// certificateAuthority for devices). Loaded from identities.json (standalone) or, with an
// upstream, from the cloud's device-scope API (cached for offline use).
#pragma once
#include <optional>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "outpost/core/result.h"
#include "outpost/core/sas_token.h"
#include "outpost/iothub/identity.h"

namespace outpost::hub {

struct X509Registration {
  bool certificate_authority = false;  // else selfSigned: one of the thumbprints
  std::string primary_thumbprint;
  std::string secondary_thumbprint;
};

class IdentityRegistry {
 public:
  // [{"deviceId":"d","moduleId":"m"?, and one of
  //     "primaryKey":"b64","secondaryKey":"b64"?              (SAS)
  //     "primaryThumbprint":"hex","secondaryThumbprint":"hex"? (X.509 selfSigned)
  //     "certificateAuthority":true                           (X.509 CA-signed; devices only)
  //  }, ...]
  // Errors name the entry and the field.
  static Result<IdentityRegistry> from_json(const nlohmann::json& list, const std::string& source);
  // Throws ConfigError naming the file.
  static IdentityRegistry load_file(const std::string& file);

  // nullptr when the identity is unknown or does not use that kind of authentication.
  const SasKeys* keys(const iothub::Identity& identity) const;
  const X509Registration* x509(const iothub::Identity& identity) const;
  bool contains(const iothub::Identity& identity) const { return entries_.count(identity.id()) > 0; }
  void upsert(const iothub::Identity& identity, SasKeys keys);
  void upsert(const iothub::Identity& identity, X509Registration x509);
  // Adds every identity of `other`, replacing entries with the same id.
  void merge_from(const IdentityRegistry& other);
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::optional<SasKeys> keys;
    std::optional<X509Registration> x509;
  };
  std::unordered_map<std::string, Entry> entries_;  // by Identity::id()
};

}  // namespace outpost::hub

// The daemon's own secrets, in <homedir>/keys (folder 0700, files 0600), made on first
// start: the master key module keys are derived from, and the key the workload API's
// encrypt/decrypt use. Neither ever leaves the daemon; only what is derived from them does.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "outpost/core/result.h"

namespace outpost::daemon {

enum class KeySlot { primary, secondary };

class KeyStore {
 public:
  // Opens the keys in `folder`, making those that are missing. A key file of the wrong size
  // is an error (storage_corrupt), never silently replaced: modules' keys would all change.
  static Result<KeyStore> open(const std::string& folder);

  // A module's SAS key (base64): HMAC-SHA256(master, "{module}:{generation}:primary"), the
  // key IoT Edge 1.2+ registers in the cloud for that module. A new generation id (the
  // module was deleted and created again) gives new keys.
  std::string module_key(std::string_view module_id, std::string_view generation_id, KeySlot slot) const;

  // AES-256-GCM bound to the module, its generation and the caller's initialization vector:
  // what one module encrypted, no other module (or generation) can decrypt.
  std::string encrypt(std::string_view module_id, std::string_view generation_id, std::string_view iv,
                      std::string_view plaintext) const;
  std::optional<std::string> decrypt(std::string_view module_id, std::string_view generation_id, std::string_view iv,
                                     std::string_view ciphertext) const;

 private:
  KeyStore(std::string master, std::string encryption) : master_(std::move(master)), encryption_(std::move(encryption)) {}
  std::string master_;      // 32 bytes
  std::string encryption_;  // 32 bytes
};

}  // namespace outpost::daemon

#include "key_store.h"

#include <sys/stat.h>

#include <cstdint>
#include <filesystem>

#include <fmt/format.h>

#include "outpost/core/crypto.h"
#include "outpost/core/encoding.h"
#include "outpost/core/file_io.h"

namespace outpost::daemon {
namespace {

constexpr std::size_t kKeyBytes = 32;

Result<std::string> load_or_make_key(const std::string& file) {
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    auto read = read_whole_file(file, 4096);
    if (!read) return read.failure();
    std::string key = std::move(*read);
    if (key.size() != kKeyBytes)
      return make_error(ErrorKind::storage_corrupt,
                        fmt::format("{}: expected a {}-byte key, found {} bytes; restore it from a backup "
                                    "(a new key would change every module's keys)",
                                    file, kKeyBytes, key.size()));
    return key;
  }
  auto key = random_bytes(kKeyBytes);
  if (auto ok = write_file_atomically(file, key, 0600); !ok) return ok.failure();
  return key;
}

// Length-prefixed, so ("ab","c") and ("a","bc") never give the same associated data.
std::string binding(std::string_view module_id, std::string_view generation_id, std::string_view iv) {
  std::string out;
  for (const auto part : {module_id, generation_id, iv}) {
    out += fmt::format("{}:", part.size());
    out += part;
  }
  return out;
}

}  // namespace

Result<KeyStore> KeyStore::open(const std::string& folder) {
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec) return make_error(ErrorKind::io, fmt::format("cannot create {}: {}", folder, ec.message()));
  ::chmod(folder.c_str(), 0700);
  auto master = load_or_make_key(folder + "/master.key");
  if (!master) return master.failure();
  auto encryption = load_or_make_key(folder + "/encryption.key");
  if (!encryption) return encryption.failure();
  return KeyStore(std::move(*master), std::move(*encryption));
}

std::string KeyStore::module_key(std::string_view module_id, std::string_view generation_id, KeySlot slot) const {
  const auto label = fmt::format("{}:{}:{}", module_id, generation_id, slot == KeySlot::primary ? "primary" : "secondary");
  return base64_encode(hmac_sha256(master_, label));
}

std::string KeyStore::encrypt(std::string_view module_id, std::string_view generation_id, std::string_view iv,
                              std::string_view plaintext) const {
  return seal(encryption_, plaintext, binding(module_id, generation_id, iv));
}

std::optional<std::string> KeyStore::decrypt(std::string_view module_id, std::string_view generation_id,
                                             std::string_view iv, std::string_view ciphertext) const {
  return unseal(encryption_, ciphertext, binding(module_id, generation_id, iv));
}

}  // namespace outpost::daemon

#include "password_hash.h"

#include <charconv>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "outpost/core/crypto.h"
#include "outpost/core/encoding.h"

namespace outpost::hub {
namespace {

constexpr std::string_view kScheme = "pbkdf2-sha256";
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kKeyBytes = 32;
// Beyond this a configured hash would let one CONNECT burn seconds of CPU.
constexpr std::uint32_t kMaxIterations = 10'000'000;

struct Parsed {
  std::uint32_t iterations = 0;
  std::string salt;
  std::string key;
};

std::string derive(std::string_view password, std::string_view salt, std::uint32_t iterations, std::size_t bytes) {
  std::string out(bytes, '\0');
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                        static_cast<int>(iterations), EVP_sha256(), static_cast<int>(bytes),
                        reinterpret_cast<unsigned char*>(out.data())) != 1)
    throw std::runtime_error("OpenSSL: PBKDF2-SHA256 failed");
  return out;
}

Result<Parsed> parse(std::string_view hash) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const auto dollar = hash.find('$', start);
    parts.push_back(hash.substr(start, dollar == std::string_view::npos ? std::string_view::npos : dollar - start));
    if (dollar == std::string_view::npos) break;
    start = dollar + 1;
  }
  if (parts.size() != 4 || parts[0] != kScheme)
    return make_error("expected pbkdf2-sha256$<iterations>$<salt>$<key> (outpost-hub --hash-password prints one)");
  Parsed p;
  const auto [end, ec] = std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), p.iterations);
  if (ec != std::errc{} || end != parts[1].data() + parts[1].size() || p.iterations < 1000 ||
      p.iterations > kMaxIterations)
    return make_error(fmt::format("iterations '{}': expected a number from 1000 to {}", parts[1], kMaxIterations));
  auto salt = base64_decode(parts[2]);
  auto key = base64_decode(parts[3]);
  if (!salt || salt->size() < 8) return make_error("the salt is not base64 of at least 8 bytes");
  if (!key || key->size() < 16 || key->size() > 64) return make_error("the key is not base64 of 16 to 64 bytes");
  p.salt = std::move(*salt);
  p.key = std::move(*key);
  return p;
}

}  // namespace

std::string hash_password(std::string_view password, std::uint32_t iterations) {
  const auto salt = random_bytes(kSaltBytes);
  return fmt::format("{}${}${}${}", kScheme, iterations, base64_encode(salt),
                     base64_encode(derive(password, salt, iterations, kKeyBytes)));
}

Status check_password_hash(std::string_view hash) {
  auto parsed = parse(hash);
  if (!parsed) return parsed.failure();
  return {};
}

bool verify_password(std::string_view password, std::string_view hash) {
  const auto parsed = parse(hash);
  if (!parsed) return false;
  return constant_time_equals(derive(password, parsed->salt, parsed->iterations, parsed->key.size()), parsed->key);
}

}  // namespace outpost::hub

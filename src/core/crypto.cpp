#include <cstring>
#include "outpost/core/crypto.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>
#include <stdexcept>

namespace outpost {

std::string hmac_sha256(std::string_view key, std::string_view data) {
  // EVP_MAC_fetch is costly; the fetched algorithm is shared (it is reference counted
  // and thread-safe), each call gets its own context.
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) throw std::runtime_error("OpenSSL: HMAC unavailable");
  std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx(EVP_MAC_CTX_new(mac),
                                                                 &EVP_MAC_CTX_free);
  char digest_name[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  unsigned char out[EVP_MAX_MD_SIZE];
  std::size_t out_len = 0;
  if (!ctx ||
      !EVP_MAC_init(ctx.get(), reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                    params) ||
      !EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(data.data()),
                      data.size()) ||
      !EVP_MAC_final(ctx.get(), out, &out_len, sizeof out)) {
    throw std::runtime_error("OpenSSL: HMAC-SHA256 failed");
  }
  return std::string(reinterpret_cast<const char*>(out), out_len);
}

std::string sha256(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int out_len = 0;
  if (!EVP_Digest(data.data(), data.size(), out, &out_len, EVP_sha256(), nullptr))
    throw std::runtime_error("OpenSSL: SHA-256 failed");
  return std::string(reinterpret_cast<const char*>(out), out_len);
}

bool constant_time_equals(std::string_view a, std::string_view b) {
  // Length is not secret (base64 of a fixed-size digest); the contents are.
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i]);
  return diff == 0;
}

namespace {
constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;
}  // namespace

std::string seal(std::string_view key, std::string_view plaintext, std::string_view associated_data) {
  if (key.size() != 32) throw std::invalid_argument("seal: the key must be 32 bytes");
  const std::string nonce = random_bytes(kNonceBytes);
  std::string out = nonce;
  out.resize(kNonceBytes + plaintext.size() + kTagBytes);
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int len = 0;
  auto* dst = reinterpret_cast<unsigned char*>(out.data()) + kNonceBytes;
  if (!ctx || !EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                                  reinterpret_cast<const unsigned char*>(key.data()),
                                  reinterpret_cast<const unsigned char*>(nonce.data())) ||
      !EVP_EncryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(associated_data.data()),
                         static_cast<int>(associated_data.size())) ||
      !EVP_EncryptUpdate(ctx.get(), dst, &len, reinterpret_cast<const unsigned char*>(plaintext.data()),
                         static_cast<int>(plaintext.size())) ||
      !EVP_EncryptFinal_ex(ctx.get(), dst + len, &len) ||
      !EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, dst + plaintext.size()))
    throw std::runtime_error("OpenSSL: AES-256-GCM encryption failed");
  return out;
}

std::optional<std::string> unseal(std::string_view key, std::string_view sealed, std::string_view associated_data) {
  if (key.size() != 32 || sealed.size() < kNonceBytes + kTagBytes) return std::nullopt;
  const auto cipher = sealed.substr(kNonceBytes, sealed.size() - kNonceBytes - kTagBytes);
  std::string tag(sealed.substr(sealed.size() - kTagBytes));
  std::string out(cipher.size(), '\0');
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int len = 0;
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  if (!ctx || !EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                                  reinterpret_cast<const unsigned char*>(key.data()),
                                  reinterpret_cast<const unsigned char*>(sealed.data())) ||
      !EVP_DecryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(associated_data.data()),
                         static_cast<int>(associated_data.size())) ||
      !EVP_DecryptUpdate(ctx.get(), dst, &len, reinterpret_cast<const unsigned char*>(cipher.data()),
                         static_cast<int>(cipher.size())) ||
      !EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) ||
      EVP_DecryptFinal_ex(ctx.get(), dst + len, &len) <= 0)
    return std::nullopt;
  return out;
}

std::string random_bytes(std::size_t count) {
  std::string out(count, '\0');
  if (count > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()),
                              static_cast<int>(count)) != 1)
    throw std::runtime_error("OpenSSL: RAND_bytes failed");
  return out;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string random_hex_id(std::size_t byte_count) { return to_hex(random_bytes(byte_count)); }

std::string random_uuid() {
  // One RAND_bytes call per 256 ids: the hub stamps an id on every message, and a call per
  // message cost microseconds on the delivery path. Still OpenSSL's CSPRNG; per thread.
  thread_local std::string pool;
  thread_local std::size_t used = 0;
  if (used + 16 > pool.size()) {
    pool = random_bytes(16 * 256);
    used = 0;
  }
  unsigned char b[16];
  std::memcpy(b, pool.data() + used, 16);
  used += 16;
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(36, '-');  // 8-4-4-4-12
  std::size_t pos = 0;
  for (int i = 0; i < 16; ++i) {
    if (pos == 8 || pos == 13 || pos == 18 || pos == 23) ++pos;
    out[pos++] = kDigits[b[i] >> 4];
    out[pos++] = kDigits[b[i] & 15];
  }
  return out;
}

}  // namespace outpost

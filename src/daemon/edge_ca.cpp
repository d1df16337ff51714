#include "edge_ca.h"

#include <ctime>
#include <filesystem>

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "outpost/core/file_io.h"

namespace outpost::daemon {

struct EdgeCa::Keys {
  std::shared_ptr<EVP_PKEY> key;
  std::shared_ptr<X509> cert;
};

namespace {

using Key = std::shared_ptr<EVP_PKEY>;
using Cert = std::shared_ptr<X509>;

Error openssl_error(std::string_view what) {
  const auto code = ERR_get_error();
  char text[256] = "unknown error";
  if (code != 0) ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return make_error(ErrorKind::invalid_input, fmt::format("{}: {}", what, text));
}

Key new_key() { return Key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), &EVP_PKEY_free); }

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const auto size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::string pem_of_certificate(X509* cert) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_X509(bio.get(), cert);
  return bio_text(bio.get());
}

std::string private_key_pem(EVP_PKEY* key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);  // PKCS#8
  return bio_text(bio.get());
}

std::int64_t expiry_of(const X509* cert) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) != 1) return 0;
  return static_cast<std::int64_t>(timegm(&tm));
}

// Adds one extension written in OpenSSL's configuration syntax ("critical,CA:TRUE").
bool add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, decltype(&X509_EXTENSION_free)> ext(
      X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()), &X509_EXTENSION_free);
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

// A new certificate for `key` named `common_name`, valid from a minute ago (clock skew)
// until `not_after`, with a random positive 127-bit serial.
Cert new_certificate(EVP_PKEY* key, const std::string& common_name, std::int64_t not_after) {
  Cert cert(X509_new(), &X509_free);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(BN_bin2bn(serial, sizeof serial, nullptr), &BN_free);
  BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get()));
  X509_set_version(cert.get(), 2);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<std::time_t>(not_after));
  X509_set_pubkey(cert.get(), key);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  return cert;
}

Result<std::pair<Key, Cert>> generate_ca(const std::string& common_name, int lifetime_days) {
  auto key = new_key();
  if (!key) return openssl_error("edge CA: cannot make a key");
  const auto not_after = static_cast<std::int64_t>(std::time(nullptr)) + std::int64_t{lifetime_days} * 86400;
  auto cert = new_certificate(key.get(), common_name, not_after);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  const bool ok = add_extension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0") &&
                  add_extension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature") &&
                  add_extension(cert.get(), cert.get(), NID_subject_key_identifier, "hash") &&
                  X509_sign(cert.get(), key.get(), EVP_sha256()) != 0;
  if (!ok) return openssl_error("edge CA: cannot sign its certificate");
  return std::pair{key, cert};
}

Result<Key> read_key(const std::string& pem, const std::string& file) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  Key key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  if (!key) return openssl_error(file + ": not a PEM private key");
  return key;
}

Result<Cert> read_first_certificate(const std::string& pem, const std::string& file) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  Cert cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
  if (!cert) return openssl_error(file + ": not a PEM certificate");
  return cert;
}

std::string san_list(const CertificateRequest& request) {
  std::string out;
  const auto add = [&](const char* type, const std::string& value) {
    out += fmt::format("{}{}:{}", out.empty() ? "" : ",", type, value);
  };
  for (const auto& name : request.dns_names) add("DNS", name);
  for (const auto& ip : request.ip_addresses) add("IP", ip);
  for (const auto& uri : request.uris) add("URI", uri);
  return out;
}

// Names go into OpenSSL's extension syntax: a ',' or a control character would change its meaning.
bool safe_name(const std::string& name) {
  if (name.empty() || name.size() > 255) return false;
  for (const unsigned char c : name)
    if (c < 0x21 || c == ',' || c == 0x7f) return false;
  return true;
}

}  // namespace

EdgeCa::EdgeCa(std::shared_ptr<Keys> keys, std::string chain_pem, std::int64_t expires_unix)
    : keys_(std::move(keys)), chain_pem_(std::move(chain_pem)), expires_unix_(expires_unix) {}

Result<EdgeCa> EdgeCa::load(const std::string& cert_file, const std::string& key_file) {
  auto cert_pem = read_whole_file(cert_file);
  if (!cert_pem) return cert_pem.failure();
  auto key_pem = read_whole_file(key_file);
  if (!key_pem) return key_pem.failure();
  auto cert = read_first_certificate(*cert_pem, cert_file);
  if (!cert) return cert.failure();
  auto key = read_key(*key_pem, key_file);
  if (!key) return key.failure();
  if (X509_check_private_key(cert->get(), key->get()) != 1)
    return make_error(ErrorKind::invalid_input, fmt::format("{} is not the key of {}", key_file, cert_file));
  // 1: basicConstraints CA:TRUE (v1 self-signed certificates and keyUsage alone do not count).
  if (X509_check_ca(cert->get()) != 1)
    return make_error(ErrorKind::invalid_input, fmt::format("{}: not a CA certificate (basicConstraints CA:TRUE)", cert_file));
  const auto expires = expiry_of(cert->get());
  return EdgeCa(std::make_shared<Keys>(Keys{*key, *cert}), *cert_pem, expires);
}

Result<EdgeCa> EdgeCa::load_or_generate(const std::string& folder, const std::string& common_name, int lifetime_days) {
  const auto cert_file = folder + "/edge-ca.pem";
  const auto key_file = folder + "/edge-ca.key";
  std::error_code ignored;
  if (std::filesystem::exists(cert_file, ignored) && std::filesystem::exists(key_file, ignored)) {
    auto existing = load(cert_file, key_file);
    const auto now = static_cast<std::int64_t>(std::time(nullptr));
    const auto renew_margin = std::int64_t{lifetime_days} * 86400 / 10;
    if (existing && existing->expires_unix() - now > renew_margin) return existing;
  }
  std::filesystem::create_directories(folder, ignored);
  auto generated = generate_ca(common_name, lifetime_days);
  if (!generated) return generated.failure();
  auto& [key, cert] = *generated;
  // The key first: a certificate on disk always has its key beside it.
  if (auto ok = write_file_atomically(key_file, private_key_pem(key.get()), 0600); !ok) return ok.failure();
  const auto pem = pem_of_certificate(cert.get());
  if (auto ok = write_file_atomically(cert_file, pem, 0644); !ok) return ok.failure();
  return EdgeCa(std::make_shared<Keys>(Keys{key, cert}), pem, expiry_of(cert.get()));
}

Result<IssuedCertificate> EdgeCa::issue(const CertificateRequest& request) const {
  if (!safe_name(request.common_name))
    return make_error(ErrorKind::invalid_input, "commonName must be 1 to 255 printable characters without ','");
  for (const auto* names : {&request.dns_names, &request.ip_addresses, &request.uris})
    for (const auto& name : *names)
      if (!safe_name(name)) return make_error(ErrorKind::invalid_input, fmt::format("invalid name '{}'", name));
  auto key = new_key();
  if (!key) return openssl_error("cannot make a key");
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  const auto not_after = std::min(expires_unix_, now + static_cast<std::int64_t>(request.lifetime.count()));
  auto cert = new_certificate(key.get(), request.common_name, not_after);
  X509* issuer = keys_->cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer));
  bool ok = add_extension(cert.get(), issuer, NID_basic_constraints, "critical,CA:FALSE") &&
            add_extension(cert.get(), issuer, NID_key_usage, "critical,digitalSignature,keyEncipherment,keyAgreement") &&
            add_extension(cert.get(), issuer, NID_ext_key_usage,
                          request.use == CertificateUse::server ? "serverAuth" : "clientAuth") &&
            add_extension(cert.get(), issuer, NID_subject_key_identifier, "hash") &&
            add_extension(cert.get(), issuer, NID_authority_key_identifier, "keyid");
  const auto sans = san_list(request);
  if (ok && !sans.empty()) ok = add_extension(cert.get(), issuer, NID_subject_alt_name, sans);
  if (!ok || X509_sign(cert.get(), keys_->key.get(), EVP_sha256()) == 0) return openssl_error("cannot issue a certificate");
  return IssuedCertificate{private_key_pem(key.get()), pem_of_certificate(cert.get()) + chain_pem_, expiry_of(cert.get())};
}

}  // namespace outpost::daemon

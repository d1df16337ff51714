#include "support/test_certificates.h"

#include <cstdio>
#include <functional>
#include <memory>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace outpost::testing {
namespace {

void write_pem(const std::string& file, const std::function<int(FILE*)>& write) {
  std::unique_ptr<FILE, decltype(&std::fclose)> out(std::fopen(file.c_str(), "w"), &std::fclose);
  if (!out || write(out.get()) != 1) throw std::runtime_error("cannot write " + file);
}

}  // namespace

TestCertificate write_self_signed_certificate(const std::string& dir, const std::string& name) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"),
                                                           &EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), &X509_free);
  if (!key || !cert) throw std::runtime_error("OpenSSL: cannot make a test key");
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1,
                             -1, 0);
  X509_set_issuer_name(cert.get(), subject);
  // Names a client may dial: TLS clients that check host names (Paho, libcurl) need them.
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, cert.get(), cert.get(), nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, decltype(&X509_EXTENSION_free)> names(
      X509V3_EXT_conf_nid(nullptr, &context, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"), &X509_EXTENSION_free);
  if (!names || X509_add_ext(cert.get(), names.get(), -1) != 1) throw std::runtime_error("OpenSSL: cannot add names");
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) throw std::runtime_error("OpenSSL: cannot sign");
  TestCertificate out{dir + "/" + name + ".pem", dir + "/" + name + ".key"};
  write_pem(out.cert_file, [&](FILE* f) { return PEM_write_X509(f, cert.get()); });
  write_pem(out.key_file, [&](FILE* f) {
    return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  return out;
}

}  // namespace outpost::testing

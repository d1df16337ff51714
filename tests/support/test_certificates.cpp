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

namespace {

using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using CertificatePtr = std::unique_ptr<X509, decltype(&X509_free)>;

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, decltype(&X509_EXTENSION_free)> extension(
      X509V3_EXT_conf_nid(nullptr, &context, nid, value), &X509_EXTENSION_free);
  if (!extension || X509_add_ext(cert, extension.get(), -1) != 1) throw std::runtime_error("OpenSSL: cannot add an extension");
}

template <typename T>
T read_pem_file(const std::string& file, T (*read)(FILE*, T*, pem_password_cb*, void*)) {
  std::unique_ptr<FILE, decltype(&std::fclose)> in(std::fopen(file.c_str(), "r"), &std::fclose);
  if (!in) throw std::runtime_error("cannot read " + file);
  T out = read(in.get(), nullptr, nullptr, nullptr);
  if (!out) throw std::runtime_error("no PEM in " + file);
  return out;
}

struct Spec {
  std::string common_name;
  const TestCertificate* issuer = nullptr;  // null: self-signed
  const char* subject_alt_names = nullptr;
  const char* basic_constraints = nullptr;
  const char* extended_key_usage = nullptr;
};

TestCertificate write_certificate(const std::string& dir, const std::string& name, const Spec& spec) {
  KeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), &EVP_PKEY_free);
  CertificatePtr cert(X509_new(), &X509_free);
  if (!key || !cert) throw std::runtime_error("OpenSSL: cannot make a test key");
  static long serial = 1;
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++);
  X509_set_version(cert.get(), 2);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1, -1, 0);
  CertificatePtr issuer_cert(nullptr, &X509_free);
  KeyPtr issuer_key(nullptr, &EVP_PKEY_free);
  if (spec.issuer) {
    issuer_cert.reset(read_pem_file<X509*>(spec.issuer->cert_file, PEM_read_X509));
    issuer_key.reset(read_pem_file<EVP_PKEY*>(spec.issuer->key_file, PEM_read_PrivateKey));
    X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer_cert.get()));
  } else {
    X509_set_issuer_name(cert.get(), subject);
  }
  X509* signer = spec.issuer ? issuer_cert.get() : cert.get();
  if (spec.subject_alt_names) add_extension(cert.get(), signer, NID_subject_alt_name, spec.subject_alt_names);
  if (spec.basic_constraints) add_extension(cert.get(), signer, NID_basic_constraints, spec.basic_constraints);
  if (spec.extended_key_usage) add_extension(cert.get(), signer, NID_ext_key_usage, spec.extended_key_usage);
  if (X509_sign(cert.get(), spec.issuer ? issuer_key.get() : key.get(), EVP_sha256()) == 0)
    throw std::runtime_error("OpenSSL: cannot sign");
  TestCertificate out{dir + "/" + name + ".pem", dir + "/" + name + ".key"};
  write_pem(out.cert_file, [&](FILE* f) { return PEM_write_X509(f, cert.get()); });
  write_pem(out.key_file, [&](FILE* f) {
    return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  return out;
}

}  // namespace

TestCertificate write_self_signed_certificate(const std::string& dir, const std::string& name) {
  // Names a client may dial: TLS clients that check host names (Paho, libcurl) need them.
  return write_certificate(dir, name, {"localhost", nullptr, "DNS:localhost,IP:127.0.0.1", nullptr, nullptr});
}

TestCertificate write_ca_certificate(const std::string& dir, const std::string& name, const std::string& common_name) {
  return write_certificate(dir, name, {common_name, nullptr, nullptr, "critical,CA:TRUE", nullptr});
}

TestCertificate write_client_certificate(const std::string& dir, const std::string& name, const std::string& common_name,
                                         const TestCertificate& issuer) {
  return write_certificate(dir, name, {common_name, &issuer, nullptr, "CA:FALSE", "clientAuth"});
}

}  // namespace outpost::testing

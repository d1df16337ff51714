// The edge CA: the certificate authority of one edge device. It issues the modules' TLS
// server certificates (the hub's, so leaf devices and modules can verify it) and identity
// certificates, as IoT Edge's does. The operator's CA (certificates.device_ca_cert/_pk) or
// one generated on first start and kept under homedir. OpenSSL 3; keys are EC P-256.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "outpost/core/result.h"

namespace outpost::daemon {

enum class CertificateUse { server, client };

struct CertificateRequest {
  std::string common_name;
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;
  std::vector<std::string> uris;
  CertificateUse use = CertificateUse::server;
  std::chrono::seconds lifetime{std::chrono::hours(24 * 90)};  // capped by the CA's own expiry
};

struct IssuedCertificate {
  std::string private_key_pem;  // PKCS#8
  std::string certificate_pem;  // the leaf, then the CA's chain
  std::int64_t expires_unix = 0;
};

class EdgeCa {
 public:
  // The operator's CA: a PEM certificate file (the CA first, its chain after) and its key.
  static Result<EdgeCa> load(const std::string& cert_file, const std::string& key_file);
  // The generated CA in `folder` (edge-ca.pem, edge-ca.key with mode 0600), made when absent
  // or when less than a tenth of its lifetime is left.
  static Result<EdgeCa> load_or_generate(const std::string& folder, const std::string& common_name,
                                         int lifetime_days);

  Result<IssuedCertificate> issue(const CertificateRequest& request) const;

  const std::string& certificate_pem() const { return chain_pem_; }  // the CA and its chain
  std::int64_t expires_unix() const { return expires_unix_; }

  struct Keys;  // OpenSSL objects, kept out of this header

 private:
  EdgeCa(std::shared_ptr<Keys> keys, std::string chain_pem, std::int64_t expires_unix);
  std::shared_ptr<Keys> keys_;
  std::string chain_pem_;
  std::int64_t expires_unix_ = 0;
};

}  // namespace outpost::daemon

// TLS settings shared by every server: certificate chain and key files, TLS 1.2 minimum.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "outpost/core/result.h"

namespace outpost::net {

struct TlsFiles {
  std::string cert_file;  // PEM chain, server certificate first
  std::string key_file;   // PEM private key
};

// The certificate a TLS client presented. The server accepts any certificate in the handshake
// (the client proves it holds the key) and leaves the decision to the application, as IoT Hub
// does: it compares thumbprints (selfSigned) or verifies the chain (certificateAuthority).
struct ClientCertificate {
  std::string sha1_thumbprint;    // hex, upper case, of the leaf's DER: IoT Hub's thumbprint
  std::string sha256_thumbprint;  // the same, SHA-256 (IoT Hub accepts either)
  std::string subject_common_name;
  std::string chain_pem;          // the leaf, then what else the client sent
};

// A PEM certificate (chain: the leaf first) described as a server sees it presented: how an
// operator learns the thumbprint to register, and how tests make one.
Result<ClientCertificate> describe_certificate_pem(const std::string& pem);

struct TlsServerOptions {
  // Ask clients for a certificate (optional: a client without one still connects).
  bool request_client_certificates = false;
};

// Both files readable, PEM that parses, a key that matches the certificate: what create()
// needs, checked before a daemon binds anything.
Status check_tls_files(const TlsFiles& files);
// A CA bundle that holds at least one PEM certificate (trust for a server we dial).
Status check_ca_file(const std::string& file);

// An OpenSSL server context built once and shared by every connection of a listener
// (building one per connection re-reads the PEMs and costs memory).
class TlsServerContext {
 public:
  static Result<std::shared_ptr<TlsServerContext>> create(const TlsFiles& files, TlsServerOptions options = {});
  ~TlsServerContext();
  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  TlsServerContext();
  std::unique_ptr<Impl> impl_;
};

}  // namespace outpost::net

// TLS settings shared by every server: certificate chain and key files, TLS 1.2 minimum.
#pragma once
#include <memory>
#include <string>

#include "outpost/core/result.h"

namespace outpost::net {

struct TlsFiles {
  std::string cert_file;  // PEM chain, server certificate first
  std::string key_file;   // PEM private key
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
  static Result<std::shared_ptr<TlsServerContext>> create(const TlsFiles& files);
  ~TlsServerContext();
  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  TlsServerContext();
  std::unique_ptr<Impl> impl_;
};

}  // namespace outpost::net

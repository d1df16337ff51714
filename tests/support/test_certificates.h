// Throw-away TLS material for tests, made in-process with OpenSSL (no openssl CLI needed).
#pragma once
#include <string>

namespace outpost::testing {

struct TestCertificate {
  std::string cert_file;  // PEM, self-signed, CN=localhost, names localhost and 127.0.0.1
  std::string key_file;   // PEM, EC P-256
};

// Writes `<dir>/<name>.pem` and `<dir>/<name>.key`.
TestCertificate write_self_signed_certificate(const std::string& dir, const std::string& name = "server");

// A CA (self-signed, CA:TRUE) and a client certificate it signs (clientAuth), for X.509
// authentication tests.
TestCertificate write_ca_certificate(const std::string& dir, const std::string& name, const std::string& common_name);
TestCertificate write_client_certificate(const std::string& dir, const std::string& name, const std::string& common_name,
                                         const TestCertificate& issuer);

}  // namespace outpost::testing

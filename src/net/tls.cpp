#include "outpost/net/tls.h"

#include <cstdio>
#include <memory>

#include <fmt/format.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "net_internal/asio_loop.h"
#include "outpost/core/config_checks.h"

namespace outpost::net {

namespace {
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
}  // namespace

TlsServerContext::TlsServerContext() : impl_(std::make_unique<Impl>()) {}
TlsServerContext::~TlsServerContext() = default;

Result<std::shared_ptr<TlsServerContext>> TlsServerContext::create(const TlsFiles& files) {
  std::shared_ptr<TlsServerContext> tls(new TlsServerContext());
  auto& ctx = tls->impl_->ssl;
  boost::system::error_code ec;
  ctx.set_options(boost::asio::ssl::context::default_workarounds |
                  boost::asio::ssl::context::no_sslv2 | boost::asio::ssl::context::no_sslv3 |
                  boost::asio::ssl::context::no_tlsv1 | boost::asio::ssl::context::no_tlsv1_1 |
                  boost::asio::ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  // TLS 1.2: forward-secret AEAD suites only, as Mozilla's "intermediate" profile (no static
  // RSA key exchange, no CBC). DHE is left out: it would need parameters nobody configures.
  // TLS 1.3's suites are all of that kind already.
  if (SSL_CTX_set_cipher_list(ctx.native_handle(), kTls12Ciphers) != 1)
    return make_error("TLS: OpenSSL offers none of the configured cipher suites");
  ctx.use_certificate_chain_file(files.cert_file, ec);
  if (ec)
    return make_error(fmt::format("TLS certificate '{}': {}", files.cert_file, ec.message()));
  ctx.use_private_key_file(files.key_file, boost::asio::ssl::context::pem, ec);
  if (ec) return make_error(fmt::format("TLS key '{}': {}", files.key_file, ec.message()));
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1)
    return make_error(fmt::format("TLS key '{}' does not match certificate '{}'", files.key_file,
                                  files.cert_file));
  return tls;
}

Status check_tls_files(const TlsFiles& files) {
  if (auto ok = check_readable_file(files.cert_file); !ok) return make_error("TLS certificate: " + ok.error());
  if (auto ok = check_readable_file(files.key_file); !ok) return make_error("TLS key: " + ok.error());
  auto created = TlsServerContext::create(files);
  if (!created) return created.failure();
  return {};
}

Status check_ca_file(const std::string& file) {
  if (auto ok = check_readable_file(file); !ok) return ok.failure();
  const std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(file.c_str(), "r"), &BIO_free);
  if (!bio) return make_error(fmt::format("cannot read '{}'", file));
  int certificates = 0;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    X509_free(cert);
    ++certificates;
  }
  if (certificates == 0) return make_error(fmt::format("'{}' holds no PEM certificate", file));
  return {};
}

}  // namespace outpost::net

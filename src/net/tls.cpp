#include "outpost/net/tls.h"

#include <cstdio>
#include <memory>

#include <fmt/format.h>
#include <openssl/pem.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
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

Result<std::shared_ptr<TlsServerContext>> TlsServerContext::create(const TlsFiles& files, TlsServerOptions options) {
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
  if (options.request_client_certificates) {
    // Any certificate passes the handshake (which proves the client holds its key); whether
    // it names an identity is the application's call (thumbprints, or a chain it trusts).
    SSL_CTX_set_verify(ctx.native_handle(), SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) { return 1; });
    // Session resumption with client certificates needs a context id, else OpenSSL refuses it.
    static constexpr unsigned char kSessionContext[] = "outpost";
    SSL_CTX_set_session_id_context(ctx.native_handle(), kSessionContext, sizeof kSessionContext - 1);
  }
  return tls;
}

namespace {
std::string hex_digest(const X509* cert, const EVP_MD* md) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(cert, md, digest, &length) != 1) return {};
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02X}", digest[i]);
  return hex;
}

std::string common_name(X509* cert) {
  X509_NAME* subject = X509_get_subject_name(cert);
  const int at = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (at < 0) return {};
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at));
  unsigned char* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(&utf8, data);
  if (length < 0) return {};
  std::string name(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(length));
  OPENSSL_free(utf8);
  return name;
}

void append_pem(std::string& out, X509* cert) {
  const std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return;
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  if (length > 0) out.append(data, static_cast<std::size_t>(length));
}
}  // namespace

namespace {
ClientCertificate describe(X509* leaf) {
  ClientCertificate out;
  out.sha1_thumbprint = hex_digest(leaf, EVP_sha1());
  out.sha256_thumbprint = hex_digest(leaf, EVP_sha256());
  out.subject_common_name = common_name(leaf);
  append_pem(out.chain_pem, leaf);
  return out;
}
}  // namespace

std::optional<ClientCertificate> client_certificate_of(SSL* connection) {
  X509* leaf = SSL_get0_peer_certificate(connection);
  if (!leaf) return std::nullopt;
  auto out = describe(leaf);
  // On a server the peer's chain leaves the leaf out.
  if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(connection))
    for (int i = 0; i < sk_X509_num(chain); ++i) append_pem(out.chain_pem, sk_X509_value(chain, i));
  return out;
}

Result<ClientCertificate> describe_certificate_pem(const std::string& pem) {
  const std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> leaf(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
  if (!leaf) {
    ERR_clear_error();
    return make_error("no PEM certificate found");
  }
  auto out = describe(leaf.get());
  while (X509* next = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    append_pem(out.chain_pem, next);
    X509_free(next);
  }
  ERR_clear_error();
  return out;
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

#include "outpost/net/tls.h"

#include <fmt/format.h>

#include "net/asio_loop.h"

namespace outpost::net {

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

}  // namespace outpost::net

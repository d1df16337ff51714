#include "outpost/net/x509_check.h"

#include <cctype>
#include <memory>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

namespace outpost::net {

namespace {

using StackPtr = std::unique_ptr<STACK_OF(X509), void (*)(STACK_OF(X509)*)>;

void free_stack(STACK_OF(X509) * stack) { sk_X509_pop_free(stack, X509_free); }

// Every certificate of a PEM text, in order.
StackPtr read_pem_certificates(const std::string& pem) {
  StackPtr out(sk_X509_new_null(), free_stack);
  const std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                      &BIO_free);
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) sk_X509_push(out.get(), cert);
  ERR_clear_error();  // the end of the text reads as an error
  return out;
}

}  // namespace

std::string normalized_thumbprint(const std::string& thumbprint) {
  std::string out;
  out.reserve(thumbprint.size());
  for (const char c : thumbprint)
    if (c != ':' && c != ' ') out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool thumbprint_matches(const ClientCertificate& certificate, const std::string& registered) {
  if (registered.empty()) return false;
  const auto wanted = normalized_thumbprint(registered);
  return wanted == certificate.sha1_thumbprint || wanted == certificate.sha256_thumbprint;
}

std::optional<std::string> verify_client_chain(const ClientCertificate& certificate, const std::string& device_ca_pem,
                                               std::int64_t now) {
  auto sent = read_pem_certificates(certificate.chain_pem);
  if (sk_X509_num(sent.get()) == 0) return "the client certificate could not be read";
  auto cas = read_pem_certificates(device_ca_pem);
  if (sk_X509_num(cas.get()) == 0) return "no CA is configured for certificateAuthority devices (tls.device_ca_certs)";
  const std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), &X509_STORE_free);
  for (int i = 0; i < sk_X509_num(cas.get()); ++i) X509_STORE_add_cert(store.get(), sk_X509_value(cas.get(), i));
  X509* leaf = sk_X509_value(sent.get(), 0);
  const std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> context(X509_STORE_CTX_new(),
                                                                                 &X509_STORE_CTX_free);
  if (X509_STORE_CTX_init(context.get(), store.get(), leaf, sent.get()) != 1) return "cannot verify the chain";
  X509_STORE_CTX_set_purpose(context.get(), X509_PURPOSE_SSL_CLIENT);
  X509_STORE_CTX_set_time(context.get(), 0, static_cast<time_t>(now));
  if (X509_verify_cert(context.get()) == 1) return std::nullopt;
  return fmt::format("the certificate's chain does not verify against the device CAs: {}",
                     X509_verify_cert_error_string(X509_STORE_CTX_get_error(context.get())));
}

}  // namespace outpost::net

#include "certificate_auth.h"

#include <cctype>
#include <memory>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

namespace outpost::cloud {

namespace {

using CertificatePtr = std::unique_ptr<X509, decltype(&X509_free)>;
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

bool thumbprint_matches(const net::ClientCertificate& certificate, const std::string& registered) {
  if (registered.empty()) return false;
  const auto wanted = normalized_thumbprint(registered);
  return wanted == certificate.sha1_thumbprint || wanted == certificate.sha256_thumbprint;
}

// The chain the client sent verifies up to one of the verified CAs, for client authentication.
std::optional<std::string> verify_chain(const net::ClientCertificate& certificate, const std::string& device_ca_pem,
                                        std::int64_t now) {
  auto sent = read_pem_certificates(certificate.chain_pem);
  if (sk_X509_num(sent.get()) == 0) return "the client certificate could not be read";
  auto cas = read_pem_certificates(device_ca_pem);
  if (sk_X509_num(cas.get()) == 0) return "no CA is configured for certificateAuthority devices (cloud.yaml tls.device_ca_certs)";
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

}  // namespace

std::string normalized_thumbprint(const std::string& thumbprint) {
  std::string out;
  out.reserve(thumbprint.size());
  for (const char c : thumbprint)
    if (c != ':' && c != ' ') out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::optional<std::string> verify_client_certificate(const net::ClientCertificate& certificate,
                                                     const iothub::Identity& identity, const IdentityLookup& lookup,
                                                     const std::string& device_ca_pem, std::int64_t now) {
  const auto registered = registered_authentication(identity, lookup);
  if (!registered.authentication) return registered.refusal;
  const Authentication* auth = &*registered.authentication;
  switch (auth->type) {
    case AuthType::self_signed:
      if (thumbprint_matches(certificate, auth->primary_thumbprint) ||
          thumbprint_matches(certificate, auth->secondary_thumbprint))
        return std::nullopt;
      return fmt::format("the client certificate's thumbprint ({}) is not one registered for '{}'",
                         certificate.sha1_thumbprint, identity.id());
    case AuthType::certificate_authority:
      if (identity.module_id) return fmt::format("'{}': certificateAuthority is for devices only", identity.id());
      if (certificate.subject_common_name != identity.device_id)
        return fmt::format("the client certificate's common name '{}' is not the device id '{}'",
                           certificate.subject_common_name, identity.device_id);
      return verify_chain(certificate, device_ca_pem, now);
    default:
      return fmt::format("'{}' does not use X.509 (authentication type {})", identity.id(), auth_type_name(auth->type));
  }
}

}  // namespace outpost::cloud

// The edge CA: generated once and kept, the operator's CA loaded and checked, and issued
// certificates that verify against the CA with the names and key usage IoT Edge gives them.
#include "edge_ca.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <ctime>
#include <filesystem>
#include <memory>

#include "support/process.h"
#include "support/test_certificates.h"

namespace outpost::daemon {
namespace {

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;

X509Ptr first_certificate(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
}

// Verifies `leaf_pem` against `ca_pem` as a TLS peer would.
bool verifies(const std::string& leaf_pem, const std::string& ca_pem) {
  auto leaf = first_certificate(leaf_pem);
  auto ca = first_certificate(ca_pem);
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), &X509_STORE_free);
  X509_STORE_add_cert(store.get(), ca.get());
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(), &X509_STORE_CTX_free);
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), nullptr);
  return X509_verify_cert(ctx.get()) == 1;
}

class EdgeCaTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = outpost::testing::make_temp_dir("outpost-edgeca"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(EdgeCaTest, AGeneratedCaIsKeptAcrossRestartsWithAPrivateKeyFile) {
  const auto ca = EdgeCa::load_or_generate(dir_ + "/ca", "Outpost edge CA edge-1", 90);
  ASSERT_TRUE(ca) << ca.error();
  struct stat st {};
  ASSERT_EQ(::stat((dir_ + "/ca/edge-ca.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  EXPECT_NEAR(static_cast<double>(ca->expires_unix() - now), 90.0 * 86400, 120);
  const auto again = EdgeCa::load_or_generate(dir_ + "/ca", "Outpost edge CA edge-1", 90);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->certificate_pem(), ca->certificate_pem()) << "the same CA after a restart: modules keep trusting it";
}

TEST_F(EdgeCaTest, ServerCertificatesCarryTheirNamesAndVerifyAgainstTheCa) {
  const auto ca = EdgeCa::load_or_generate(dir_ + "/ca", "Outpost edge CA", 90);
  ASSERT_TRUE(ca);
  CertificateRequest request;
  request.common_name = "edgegw";
  request.dns_names = {"edgegw", "edgeHub"};
  request.ip_addresses = {"127.0.0.1"};
  const auto issued = ca->issue(request);
  ASSERT_TRUE(issued) << issued.error();
  EXPECT_NE(issued->private_key_pem.find("BEGIN PRIVATE KEY"), std::string::npos) << "PKCS#8";
  EXPECT_TRUE(verifies(issued->certificate_pem, ca->certificate_pem()));
  EXPECT_NE(issued->certificate_pem.find(ca->certificate_pem()), std::string::npos) << "the chain follows the leaf";
  auto leaf = first_certificate(issued->certificate_pem);
  EXPECT_EQ(X509_check_host(leaf.get(), "edgegw", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(leaf.get(), "edgehub", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(leaf.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_host(leaf.get(), "other", 0, 0, nullptr), 0);
  EXPECT_EQ(X509_check_purpose(leaf.get(), X509_PURPOSE_SSL_SERVER, 0), 1);
  EXPECT_EQ(X509_check_purpose(leaf.get(), X509_PURPOSE_SSL_CLIENT, 0), 0) << "serverAuth only";
  EXPECT_EQ(X509_check_ca(leaf.get()), 0) << "a leaf cannot issue certificates";
  EXPECT_LE(issued->expires_unix, ca->expires_unix()) << "never outlives its CA";
}

TEST_F(EdgeCaTest, IdentityCertificatesAreForClientsOnly) {
  const auto ca = EdgeCa::load_or_generate(dir_ + "/ca", "Outpost edge CA", 90);
  ASSERT_TRUE(ca);
  CertificateRequest request;
  request.common_name = "filter";
  request.uris = {"azureiot://hub.example.net/devices/edge-1/modules/filter"};
  request.use = CertificateUse::client;
  const auto issued = ca->issue(request);
  ASSERT_TRUE(issued) << issued.error();
  auto leaf = first_certificate(issued->certificate_pem);
  EXPECT_EQ(X509_check_purpose(leaf.get(), X509_PURPOSE_SSL_CLIENT, 0), 1);
  EXPECT_EQ(X509_check_purpose(leaf.get(), X509_PURPOSE_SSL_SERVER, 0), 0);
}

TEST_F(EdgeCaTest, NamesThatWouldChangeTheExtensionSyntaxAreRefused) {
  const auto ca = EdgeCa::load_or_generate(dir_ + "/ca", "Outpost edge CA", 90);
  ASSERT_TRUE(ca);
  CertificateRequest request;
  request.common_name = "edgegw,DNS:evil.example.com";
  EXPECT_FALSE(ca->issue(request));
  request.common_name = "edgegw";
  request.dns_names = {"a\nb"};
  EXPECT_FALSE(ca->issue(request));
}

TEST_F(EdgeCaTest, TheOperatorsCaMustBeACaWithItsOwnKey) {
  const auto generated = EdgeCa::load_or_generate(dir_ + "/ca", "Operator CA", 30);
  ASSERT_TRUE(generated);
  const auto loaded = EdgeCa::load(dir_ + "/ca/edge-ca.pem", dir_ + "/ca/edge-ca.key");
  ASSERT_TRUE(loaded) << loaded.error();
  CertificateRequest request;
  request.common_name = "edgegw";
  const auto issued = loaded->issue(request);
  ASSERT_TRUE(issued);
  EXPECT_TRUE(verifies(issued->certificate_pem, generated->certificate_pem()));

  const auto other = outpost::testing::write_self_signed_certificate(dir_, "other");
  const auto mismatched = EdgeCa::load(dir_ + "/ca/edge-ca.pem", other.key_file);
  ASSERT_FALSE(mismatched);
  EXPECT_NE(mismatched.error().find("is not the key of"), std::string::npos) << mismatched.error();
  const auto not_a_ca = EdgeCa::load(other.cert_file, other.key_file);
  ASSERT_FALSE(not_a_ca);
  EXPECT_NE(not_a_ca.error().find("not a CA certificate"), std::string::npos) << not_a_ca.error();
}

}  // namespace
}  // namespace outpost::daemon

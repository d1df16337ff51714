// The checks a daemon's config loader makes before it binds: listen addresses, TLS files,
// CA bundles, and their reporting at the right line of the file.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "outpost/core/config.h"
#include "outpost/net/address.h"
#include "outpost/net/tls.h"
#include "outpost/net/tls_config.h"
#include "support/test_certificates.h"

namespace outpost::net {
namespace {

namespace fs = std::filesystem;
using Problems = std::vector<std::string>;

TEST(ListenAddressCheck, WantsABindableAddressOfThisMachine) {
  EXPECT_TRUE(check_listen_address("127.0.0.1:0"));
  EXPECT_TRUE(check_listen_address("0.0.0.0:0"));
  EXPECT_EQ(check_listen_address("localhost:1883").error(),
            "'localhost:1883': listen on an IP address (such as 127.0.0.1 or 0.0.0.0), not a host name");
  // 192.0.2.0/24 is TEST-NET-1: never an address of this machine.
  EXPECT_EQ(check_listen_address("192.0.2.7:1883").error(), "'192.0.2.7:1883': 192.0.2.7 is not an address of this machine");
  EXPECT_EQ(check_listen_address("127.0.0.1:99999").error(), "'127.0.0.1:99999': port must be a number from 0 to 65535");
  if (::geteuid() != 0) {
    EXPECT_EQ(check_listen_address("127.0.0.1:443").error(), "'127.0.0.1:443': port 443 needs root (or CAP_NET_BIND_SERVICE)");
  }
}

class TlsChecks : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("outpost-tls-checks-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    a_ = outpost::testing::write_self_signed_certificate(dir_.string(), "a");
    b_ = outpost::testing::write_self_signed_certificate(dir_.string(), "b");
    std::ofstream(dir_ / "junk.pem") << "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n";
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  outpost::testing::TestCertificate a_, b_;
};

TEST_F(TlsChecks, CertificateAndKeyMustLoadAndMatch) {
  EXPECT_TRUE(check_tls_files({a_.cert_file, a_.key_file}));
  EXPECT_EQ(check_tls_files({(dir_ / "none.pem").string(), a_.key_file}).error(),
            "TLS certificate: no such file: '" + (dir_ / "none.pem").string() + "'");
  EXPECT_EQ(check_tls_files({a_.cert_file, (dir_ / "none.key").string()}).error(),
            "TLS key: no such file: '" + (dir_ / "none.key").string() + "'");
  EXPECT_EQ(check_tls_files({a_.cert_file, b_.key_file}).error(), "TLS key '" + b_.key_file + "': key values mismatch");
  EXPECT_NE(check_tls_files({(dir_ / "junk.pem").string(), a_.key_file}).error().find("TLS certificate '"),
            std::string::npos);
}

TEST_F(TlsChecks, CaFileMustHoldACertificate) {
  EXPECT_TRUE(check_ca_file(a_.cert_file));
  EXPECT_EQ(check_ca_file(a_.key_file).error(), "'" + a_.key_file + "' holds no PEM certificate");
  EXPECT_EQ(check_ca_file((dir_ / "junk.pem").string()).error(),
            "'" + (dir_ / "junk.pem").string() + "' holds no PEM certificate");
  EXPECT_EQ(check_ca_file((dir_ / "none.pem").string()).error(), "no such file: '" + (dir_ / "none.pem").string() + "'");
}

TEST_F(TlsChecks, ConfigHelpersReportAtTheKeyAndResolvePathsFromTheFile) {
  const auto file = (dir_ / "d.yaml").string();
  const auto root = parse_yaml("tls: { cert: a.pem, key: b.key }\n"
                               "tls2:\n  cert: missing.pem\n  key: a.key\n"
                               "up: { ca: a.key }\n"
                               "listen: { mqtt: \"localhost:1\", ok: \"127.0.0.1:0\" }\n",
                               file);
  const auto files = config_tls_files(root.child("tls"));
  EXPECT_EQ(files.cert_file, a_.cert_file);
  config_tls_files(root.child("tls2"));
  EXPECT_EQ(config_ca_file(root.child("up"), "ca"), a_.key_file);
  EXPECT_EQ(config_ca_file(root.child("up"), "absent"), "");
  EXPECT_EQ(config_address(root.child("listen"), "mqtt"), "localhost:1");  // kept as written
  EXPECT_EQ(config_address(root.child("listen"), "ok"), "127.0.0.1:0");
  EXPECT_EQ(root.problems().list(),
            (Problems{file + ":1:6: tls: TLS key '" + b_.key_file + "': key values mismatch",
                      file + ":3:9: tls2.cert: no such file: '" + (dir_ / "missing.pem").string() + "'",
                      file + ":5:11: up.ca: '" + a_.key_file + "' holds no PEM certificate",
                      file + ":6:17: listen.mqtt: 'localhost:1': listen on an IP address (such as 127.0.0.1 or 0.0.0.0), "
                             "not a host name"}));
}

}  // namespace
}  // namespace outpost::net

// IoT Edge 1.5's config.toml read as outpostd's configuration: the template's keys map onto
// config.yaml's, keys without meaning here are accepted and listed, unknown keys and TOML
// syntax errors carry the file's line.
#include "daemon_config.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "outpost/core/config.h"
#include "support/process.h"
#include "support/test_certificates.h"

namespace outpost::daemon {
namespace {

class AziotConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = outpost::testing::make_temp_dir("outpost-aziot");
    outpost::testing::write_self_signed_certificate(dir_, "ca");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  // The sample with its paths pointed here.
  std::string sample() {
    auto text = outpost::testing::read_file(outpost::testing::source_path("tests/daemon/data/aziot-config.toml"));
    for (auto at = text.find("TESTDIR"); at != std::string::npos; at = text.find("TESTDIR")) text.replace(at, 7, dir_);
    // Top-level keys go before the first [table] (after it, homedir would be that table's).
    return "homedir = \"" + dir_ + "/home\"\n" + text;
  }
  std::string error_of(const std::string& toml) {
    outpost::testing::write_file(dir_ + "/config.toml", toml);
    try {
      load_daemon_config(dir_ + "/config.toml");
    } catch (const ConfigError& e) {
      std::string out = e.what();
      for (auto at = out.find(dir_ + "/"); at != std::string::npos; at = out.find(dir_ + "/")) out.erase(at, dir_.size() + 1);
      return out;
    }
    return "(no error)";
  }
  std::string dir_;
};

TEST_F(AziotConfigTest, TheTemplatesKeysMeanWhatTheirConfigYamlKeysMean) {
  outpost::testing::write_file(dir_ + "/config.toml", sample());
  const auto c = load_daemon_config(dir_ + "/config.toml");
  EXPECT_EQ(c.hostname, "edgegw");
  EXPECT_EQ(c.homedir, dir_ + "/home");
  EXPECT_EQ(c.provisioning.source, ProvisioningSource::manual);
  EXPECT_EQ(c.provisioning.device_id, "edge-15");
  EXPECT_EQ(c.provisioning.iothub_hostname, "hub.example.net");
  EXPECT_EQ(c.agent.image, "mcr.microsoft.com/azureiotedge-agent:1.5");
  EXPECT_EQ(c.agent.env.at("RuntimeLogLevel"), "debug");
  EXPECT_EQ(c.agent.create_options["HostConfig"]["LogConfig"]["Type"], "json-file");
  EXPECT_EQ(c.connect.workload_uri, "unix:///var/run/iotedge/workload.sock");
  EXPECT_EQ(c.listen.management_uri, "unix:///var/run/iotedge/mgmt.sock") << "fd:// binds the connect path";
  EXPECT_FALSE(c.watchdog_max_retries);
  EXPECT_EQ(c.certificates.auto_generated_ca_lifetime_days, 30);
  EXPECT_TRUE(c.allow_elevated_docker_permissions);
  ASSERT_EQ(c.certificates.trusted_ca_certs.size(), 1u);
  EXPECT_EQ(c.certificates.trusted_ca_certs[0], dir_ + "/ca.pem");
  EXPECT_EQ(c.ignored_keys, (std::vector<std::string>{"auto_reprovisioning_mode", "aziot_keys", "image_garbage_collection",
                                                      "listen.min_tls_version", "prefer_module_identity_cache"}))
      << "accepted, listed, and otherwise without effect";
}

TEST_F(AziotConfigTest, SyntaxErrorsAndUnknownKeysCarryTheTomlLine) {
  EXPECT_EQ(error_of("hostname = \"a\"\n[provisioning\n"),
            "config.toml:2:14: Error while parsing table header: expected ']', saw '\\n'");
  const auto unknown = error_of("hostname = \"a\"\ncolour = \"blue\"\n[provisioning]\nsource = \"manual\"\nshape = 1\n");
  EXPECT_NE(unknown.find("config.toml:2:10: colour: unknown key"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("config.toml:5:9: provisioning.shape: unknown key"), std::string::npos) << unknown;
  EXPECT_NE(error_of("parent_hostname = \"p\"\n").find("nested edge devices"), std::string::npos);
}

TEST_F(AziotConfigTest, ValueProblemsNameTheKeyTheyMapTo) {
  const auto error = error_of("homedir = \"" + dir_ + "/home\"\n[provisioning]\nsource = \"dps\"\n");
  EXPECT_EQ(error, "config.toml: provisioning.source: 'dps' is not supported: expected manual or local");
}

}  // namespace
}  // namespace outpost::daemon

// `outpost config import|check` in process (include/outpost/daemon_config/config_tools.h): IoT
// Edge 1.5's config.toml becomes a commented config.yaml that outpostd reads exactly as it
// reads the TOML itself (the round trip compared field by field); a 1.1 config.yaml is kept
// as written under a header; what cannot be mapped is refused with its line; a check lists
// every problem as `outpostd --check` does, reading the text as it will be at its destination.
#include "outpost/daemon_config/config_tools.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "daemon_config.h"
#include "outpost/core/config.h"
#include "support/process.h"
#include "support/test_certificates.h"

namespace outpost::daemon {
namespace {

using outpost::testing::read_file;
using outpost::testing::write_file;

class ConfigImport : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = outpost::testing::make_temp_dir("outpost-config-import");
    outpost::testing::write_self_signed_certificate(dir_, "ca");
  }
  void TearDown() override {
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }
  // A fixture with its paths pointed here.
  std::string fixture(const std::string& relative) const {
    auto text = read_file(outpost::testing::source_path(relative));
    for (auto at = text.find("TESTDIR"); at != std::string::npos; at = text.find("TESTDIR")) text.replace(at, 7, dir_);
    return text;
  }
  std::string toml_sample() const {
    // Top-level keys go before the first [table].
    return "homedir = \"" + dir_ + "/home\"\n" + fixture("tests/daemon/data/aziot-config.toml");
  }
  std::string problems_of(const std::function<void()>& step) const {
    try {
      step();
    } catch (const ConfigError& e) {
      std::string out = e.what();
      for (auto at = out.find(dir_ + "/"); at != std::string::npos; at = out.find(dir_ + "/")) out.erase(at, dir_.size() + 1);
      return out;
    }
    return "(no problem)";
  }
  std::string dir_;
};

TEST_F(ConfigImport, TheTomlBecomesAConfigYamlOutpostdReadsExactlyAsItReadsTheToml) {
  write_file(dir_ + "/config.toml", toml_sample());
  const auto imported = import_iotedge_config(toml_sample(), dir_ + "/config.toml");
  write_file(dir_ + "/config.yaml", imported.yaml);

  const auto from_toml = load_daemon_config(dir_ + "/config.toml");
  const auto from_yaml = load_daemon_config(dir_ + "/config.yaml");
  EXPECT_EQ(from_yaml.hostname, "edgegw");
  EXPECT_EQ(from_yaml.hostname, from_toml.hostname);
  EXPECT_EQ(from_yaml.homedir, from_toml.homedir);
  EXPECT_EQ(from_yaml.provisioning.source, from_toml.provisioning.source);
  EXPECT_EQ(from_yaml.provisioning.device_id, "edge-15");
  EXPECT_EQ(from_yaml.provisioning.iothub_hostname, from_toml.provisioning.iothub_hostname);
  EXPECT_EQ(from_yaml.provisioning.device_key, from_toml.provisioning.device_key);
  EXPECT_EQ(from_yaml.connect.management_uri, from_toml.connect.management_uri);
  EXPECT_EQ(from_yaml.connect.workload_uri, from_toml.connect.workload_uri);
  EXPECT_EQ(from_yaml.listen.management_uri, from_toml.listen.management_uri);
  EXPECT_EQ(from_yaml.agent.name, from_toml.agent.name);
  EXPECT_EQ(from_yaml.agent.image, "mcr.microsoft.com/azureiotedge-agent:1.5");
  EXPECT_EQ(from_yaml.agent.env, from_toml.agent.env);
  EXPECT_EQ(from_yaml.agent.create_options, from_toml.agent.create_options);
  EXPECT_EQ(from_yaml.agent.create_options["HostConfig"]["LogConfig"]["Type"], "json-file");
  EXPECT_EQ(from_yaml.moby_runtime.uri, from_toml.moby_runtime.uri);
  EXPECT_EQ(from_yaml.moby_runtime.network, from_toml.moby_runtime.network);
  EXPECT_EQ(from_yaml.allow_elevated_docker_permissions, true);
  EXPECT_EQ(from_yaml.certificates.trusted_ca_certs, from_toml.certificates.trusted_ca_certs);
  EXPECT_EQ(from_yaml.certificates.auto_generated_ca_lifetime_days, 30);
  EXPECT_EQ(from_yaml.watchdog_max_retries, from_toml.watchdog_max_retries);
  EXPECT_TRUE(from_yaml.ignored_keys.empty()) << "a config.yaml has none: they were left out";

  // What was not carried over: listed, and said in the file.
  EXPECT_EQ(imported.ignored, from_toml.ignored_keys);
  for (const auto* key : {"auto_reprovisioning_mode", "prefer_module_identity_cache", "aziot_keys",
                          "image_garbage_collection", "listen.min_tls_version"}) {
    EXPECT_NE(std::find(imported.ignored.begin(), imported.ignored.end(), key), imported.ignored.end()) << key;
    EXPECT_NE(imported.yaml.find(key), std::string::npos) << key << " is not named in the header\n" << imported.yaml;
  }
  EXPECT_EQ(imported.yaml.find("image_garbage_collection:"), std::string::npos) << "written as a key\n" << imported.yaml;
  EXPECT_EQ(imported.yaml.rfind("# outpostd's configuration", 0), 0u) << imported.yaml;
  EXPECT_NE(imported.yaml.find("# Who this device is"), std::string::npos) << "sections are commented\n" << imported.yaml;
  // In config.yaml's order, not TOML's alphabetical one.
  EXPECT_LT(imported.yaml.find("\nprovisioning:"), imported.yaml.find("\nhostname:"));
  EXPECT_LT(imported.yaml.find("\nhostname:"), imported.yaml.find("\nagent:"));
  EXPECT_LT(imported.yaml.find("  name: edgeAgent"), imported.yaml.find("  config:"));

  EXPECT_EQ(check_config_text(imported.yaml, dir_ + "/config.yaml"),
            "ok (device 'edge-15', provisioning manual, home " + dir_ + "/home)");
}

// Values YAML would read as something else unless quoted come back as the same text.
TEST_F(ConfigImport, ValuesThatLookLikeYamlSyntaxSurviveTheRoundTrip) {
  const auto toml = "hostname = \"edgegw\"\nhomedir = \"" + dir_ +
                    "/home\"\n[provisioning]\nsource = \"local\"\ndevice_id = \"007\"\n"
                    "[agent]\nname = \"edgeAgent\"\ntype = \"docker\"\n[agent.config]\nimage = \"a:1\"\n"
                    "[agent.env]\nNULL = \"null\"\nTILDE = \"~\"\nHASH = \"# not a comment\"\nCOLON = \"a: b\"\n"
                    "EMPTY = \"\"\nQUOTE = \"it's \\\"quoted\\\"\"\nLIST = \"[1, 2]\"\nLEADING = \" x\"\n";
  write_file(dir_ + "/config.toml", toml);
  const auto imported = import_iotedge_config(toml, dir_ + "/config.toml");
  write_file(dir_ + "/config.yaml", imported.yaml);
  const auto from_toml = load_daemon_config(dir_ + "/config.toml");
  const auto from_yaml = load_daemon_config(dir_ + "/config.yaml");
  EXPECT_EQ(from_yaml.provisioning.device_id, "007");
  EXPECT_EQ(from_yaml.agent.env, from_toml.agent.env) << imported.yaml;
  EXPECT_EQ(from_yaml.agent.env.at("NULL"), "null");
  EXPECT_EQ(from_yaml.agent.env.at("HASH"), "# not a comment");
  EXPECT_EQ(from_yaml.agent.env.at("QUOTE"), "it's \"quoted\"");
  EXPECT_EQ(from_yaml.agent.env.at("LEADING"), " x");
}

TEST_F(ConfigImport, AnIotEdge11ConfigYamlIsKeptAsWrittenUnderAHeader) {
  const auto original = fixture("tests/cli/data/iotedge-1.1-config.yaml");
  const auto imported = import_iotedge_config(original, dir_ + "/config.yaml");
  ASSERT_GT(imported.yaml.size(), original.size());
  EXPECT_EQ(imported.yaml.substr(imported.yaml.size() - original.size()), original) << "the operator's file, comments too";
  EXPECT_EQ(imported.yaml.rfind("# outpostd's configuration", 0), 0u);
  EXPECT_EQ(imported.ignored, std::vector<std::string>{"provisioning.dynamic_reprovisioning"});
  EXPECT_NE(imported.yaml.find("IoT Edge 1.1"), std::string::npos);
  EXPECT_EQ(check_config_text(imported.yaml, dir_ + "/outpost/config.yaml"),
            "ok (device 'edge-11', provisioning manual, home " + dir_ + "/home)");
}

TEST_F(ConfigImport, WhatCannotBeMappedIsRefusedWithItsLine) {
  EXPECT_EQ(problems_of([&] { import_iotedge_config("hostname = \"a\"\nparent_hostname = \"p\"\n", dir_ + "/config.toml"); }),
            "config.toml:2:19: parent_hostname: nested edge devices (a parent) are not supported yet");
  EXPECT_NE(problems_of([&] { import_iotedge_config("hostname = \n", dir_ + "/config.toml"); }).find("config.toml:1:"),
            std::string::npos);
  EXPECT_NE(problems_of([&] { import_iotedge_config("provisioning: [\n", dir_ + "/config.yaml"); }).find("config.yaml:"),
            std::string::npos);
}

TEST_F(ConfigImport, ACheckListsEveryProblemAsOutpostdDoes) {
  const auto problems = problems_of([&] {
    check_config_text("provisioning: { source: nowhere }\nhostname: \"bad name\"\nfoo: 1\n", dir_ + "/config.yaml");
  });
  EXPECT_NE(problems.find("config.yaml:3:1: foo: unknown key"), std::string::npos) << problems;
  EXPECT_NE(problems.find("config.yaml:2:11: hostname: 'bad name' is not a host name"), std::string::npos) << problems;
  EXPECT_NE(problems.find("config.yaml:1:25: provisioning.source: 'nowhere' is not supported"), std::string::npos) << problems;
  // The file on disk says the same.
  write_file(dir_ + "/config.yaml", "provisioning: { source: nowhere }\nhostname: \"bad name\"\nfoo: 1\n");
  EXPECT_EQ(problems_of([&] { check_config_file(dir_ + "/config.yaml"); }), problems);
}

// The text is read as it will be where it is installed: a relative path is taken from there.
TEST_F(ConfigImport, RelativePathsAreTakenFromTheDestinationsFolder) {
  const auto yaml = "provisioning: { source: local }\nhostname: edgegw\nhomedir: " + dir_ +
                    "/home\ncertificates: { trusted_ca_certs: ca.pem }\n";
  EXPECT_EQ(problems_of([&] { check_config_text(yaml, dir_ + "/config.yaml"); }), "(no problem)");
  EXPECT_NE(problems_of([&] { check_config_text(yaml, dir_ + "/elsewhere/config.yaml"); }).find("certificates.trusted_ca_certs"),
            std::string::npos);
}

}  // namespace
}  // namespace outpost::daemon

// `outpost-hub --check`: every problem of hub.yaml and of what it names, listed in one run,
// and the problems that used to pass the check and only fail at start (TLS and CA files,
// a non-base64 upstream key, a ready-file folder that does not exist, a bad route).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "hub_config.h"
#include "hub_startup.h"
#include "outpost/core/config.h"
#include "outpost/core/encoding.h"
#include "support/process.h"
#include "support/test_certificates.h"

namespace outpost::hub {
namespace {

using outpost::testing::write_file;
using Problems = std::vector<std::string>;

const std::string kKey = base64_encode(std::string(32, 'k'));

class HubCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = outpost::testing::make_temp_dir("outpost-hubcheck");
    write_file(dir_ + "/ids.json", R"([{"deviceId":"edge1","moduleId":"reader","primaryKey":")" + kKey + R"("}])");
    write_file(dir_ + "/routes.json", R"({"schemaVersion":"1.1","routes":{"all":"FROM /messages/* INTO $upstream"}})");
    write_file(dir_ + "/a-file", "x");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // The problems of hub.yaml (and what it names), without the temp folder's prefix.
  Problems problems_of(const std::string& yaml, const std::string& ready_file = "") {
    write_file(dir_ + "/hub.yaml", yaml);
    try {
      load_hub_startup(dir_ + "/hub.yaml", ready_file);
    } catch (const ConfigError& e) {
      Problems out;
      for (auto p : e.problems()) {
        for (auto at = p.find(dir_ + "/"); at != std::string::npos; at = p.find(dir_ + "/"))
          p.erase(at, dir_.size() + 1);
        out.push_back(p);
      }
      return out;
    }
    return {};
  }
  std::string dir_;
};

constexpr const char* kGood =
    "hostname: h\ndevice_id: edge1\nlisten: { mqtt: \"127.0.0.1:0\" }\nstorage: { folder: data }\n"
    "identities: ids.json\ndesired: routes.json\n";

TEST_F(HubCheck, AGoodConfigLoadsWithItsIdentitiesAndRoutes) {
  EXPECT_EQ(problems_of(kGood), Problems{});
  const auto startup = load_hub_startup(dir_ + "/hub.yaml", dir_ + "/hub.ready");
  EXPECT_EQ(startup.identities.size(), 1u);
  EXPECT_EQ(startup.desired.route_table.size(), 1u);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/data"));  // checking creates nothing
}

TEST_F(HubCheck, StoreAndForwardConfigurationIsOptionalInTheFile) {
  ASSERT_EQ(problems_of(kGood), Problems{});
  const auto desired = load_desired_file(dir_ + "/routes.json");
  EXPECT_EQ(desired.store_and_forward.ttl_secs, 7200);
  EXPECT_FALSE(desired.store_and_forward.max_size_bytes);
  ASSERT_FALSE(desired.notes.empty());
  EXPECT_NE(desired.notes.back().find("using timeToLiveSecs 7200"), std::string::npos);
  write_file(dir_ + "/routes.json",
             R"({"schemaVersion":"1.1","routes":{},"storeAndForwardConfiguration":{"timeToLiveSecs":-1}})");
  EXPECT_TRUE(load_desired_file(dir_ + "/routes.json").store_and_forward.never_expires());
}

TEST_F(HubCheck, EveryProblemOfTheFileIsListedWithItsLineAndKey) {
  EXPECT_EQ(problems_of("hostname: h\ndevice_id: edge1\ncolour: blue\n"
                        "listen: { mqtt: \"localhost:1883\", metrics: \"127.0.0.1:x\" }\n"
                        "storage: { folder: a-file/data, fsync: sometimes }\n"
                        "identities: ids.json\ndesired: routes.json\nlog_level: loud\ndelivery: { window: 0 }\n"
                        "management: { policies: [ { name: p, primary_key: \"!!\" } ] }\n"),
            (Problems{
                "hub.yaml:3:1: colour: unknown key (expected one of: hostname, device_id, gateway_hostname, listen, "
                "tls, storage, identities, desired, log_level, delivery, management, limits, upstream, mqtt_broker)",
                "hub.yaml:4:17: listen.mqtt: 'localhost:1883': listen on an IP address (such as 127.0.0.1 or "
                "0.0.0.0), not a host name",
                "hub.yaml:4:44: listen.metrics: '127.0.0.1:x': port must be a number from 0 to 65535",
                "hub.yaml:5:20: storage.folder: cannot create folder 'a-file/data': 'a-file' is not a folder",
                "hub.yaml:5:40: storage.fsync: expected group, always or never, got 'sometimes'",
                "hub.yaml:1:1: log_level 'loud': expected trace, debug, info, warning, error or fatal",
                "hub.yaml:9:21: delivery.window: must be between 1 and 10000",
                "hub.yaml:10:51: management.policies[0].primary_key: is not base64",
            }));
}

TEST_F(HubCheck, TlsFilesMustExistParseAndMatch) {
  const auto a = outpost::testing::write_self_signed_certificate(dir_, "a");
  const auto b = outpost::testing::write_self_signed_certificate(dir_, "b");
  const std::string base = "hostname: h\ndevice_id: edge1\nlisten: { mqtts: \"127.0.0.1:0\" }\n"
                           "storage: { folder: data }\nidentities: ids.json\ndesired: routes.json\n";
  EXPECT_EQ(problems_of(base + "tls: { cert: a.pem, key: a.key }\n"), Problems{});
  EXPECT_EQ(problems_of(base + "tls: { cert: server.pem, key: server.key }\n"),
            (Problems{"hub.yaml:7:14: tls.cert: no such file: 'server.pem'",
                      "hub.yaml:7:31: tls.key: no such file: 'server.key'"}));
  EXPECT_EQ(problems_of(base + "tls: { cert: a.pem, key: b.key }\n"),
            (Problems{"hub.yaml:7:6: tls: TLS key 'b.key': key values mismatch"}));
  EXPECT_EQ(problems_of(base + "tls: { cert: ids.json, key: a.key }\n").size(), 1u);
}

TEST_F(HubCheck, UpstreamKeyCaAndConnectionStringAreChecked) {
  EXPECT_EQ(problems_of(std::string(kGood) +
                        "upstream:\n  connection_string: \"HostName=other;DeviceId=edge1;ModuleId=$edgeHub;"
                        "SharedAccessKey=<base64>\"\n  ca: cloud-ca.pem\n  mqtt: \"cloud\"\n"),
            (Problems{"hub.yaml:8:22: upstream.connection_string: SharedAccessKey is not base64",
                      "hub.yaml:8:22: upstream.connection_string: HostName 'other' differs from hostname 'h'",
                      "hub.yaml:10:9: upstream.mqtt: 'cloud' has no port (expected host:port)",
                      "hub.yaml:9:7: upstream.ca: no such file: 'cloud-ca.pem'"}));
  EXPECT_EQ(problems_of(std::string(kGood) + "upstream: { connection_string: \"DeviceId=edge1\" }\n"),
            (Problems{"hub.yaml:7:32: upstream.connection_string: connection string: missing HostName"}));
}

TEST_F(HubCheck, IdentitiesRoutesAndTheReadyFileAreCheckedInTheSameRun) {
  write_file(dir_ + "/ids.json", R"([{"deviceId":"edge1","primaryKey":"!!"}])");
  write_file(dir_ + "/routes.json", R"({"schemaVersion":"1.1","routes":{"r1":"FROM /messages/* WHERE x > INTO $upstream"}})");
  const auto problems = problems_of(std::string(kGood) + "colour: blue\n", dir_ + "/no-such-folder/hub.ready");
  ASSERT_EQ(problems.size(), 4u) << ::testing::PrintToString(problems);
  EXPECT_EQ(problems[0].substr(0, 21), "hub.yaml:7:1: colour:");
  EXPECT_EQ(problems[1], "ids.json: entry 0: \"primaryKey\" is not base64");
  EXPECT_EQ(problems[2].substr(0, 25), "routes.json: route 'r1': ");
  EXPECT_EQ(problems[3], "--ready-file: folder 'no-such-folder' does not exist");
  EXPECT_EQ(problems_of(std::string(kGood) + "identities: none.json\n")[0].substr(0, 37),
            "hub.yaml:7:1: key 'identities' appear");
}

TEST_F(HubCheck, TheCheckCommandListsEveryProblemAndExitsNonZero) {
  write_file(dir_ + "/hub.yaml",
             "hostname: h\ndevice_id: edge1\nlisten: { mqtts: \"127.0.0.1:0\", mqtt: \"127.0.0.1:x\" }\n"
             "tls: { cert: server.pem, key: server.key }\nstorage: { folder: a-file/data }\n"
             "identities: ids.json\ndesired: routes.json\n"
             "upstream: { connection_string: \"HostName=h;DeviceId=edge1;ModuleId=$edgeHub;SharedAccessKey=%%%\" }\n");
  const auto check = outpost::testing::run_command(
      {outpost::testing::built_binary("outpost-hub"), "--config", dir_ + "/hub.yaml", "--check", "--ready-file",
       dir_ + "/run/hub.ready"},
      std::chrono::seconds(10));
  EXPECT_EQ(check.status, 1) << check.output;
  for (const auto* expected :
       {"hub.yaml:3:39: listen.mqtt: '127.0.0.1:x': port must be a number", "hub.yaml:4:14: tls.cert: no such file",
        "hub.yaml:4:31: tls.key: no such file", "hub.yaml:5:20: storage.folder: cannot create folder",
        "hub.yaml:8:32: upstream.connection_string: SharedAccessKey is not base64",
        "--ready-file: folder '", "outpost-hub: 6 problems"})
    EXPECT_NE(check.output.find(expected), std::string::npos) << "missing '" << expected << "' in:\n" << check.output;
}

}  // namespace
}  // namespace outpost::hub

// Hub pieces without sockets: who may connect (authenticator) and what hub.yaml may say.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "hub/authenticator.h"
#include "hub/hub_config.h"
#include "outpost/core/config.h"
#include "outpost/core/crypto.h"
#include "outpost/core/encoding.h"
#include "outpost/core/sas_token.h"
#include "outpost/iothub/username.h"
#include "support/process.h"

namespace outpost::hub {
namespace {

using outpost::testing::make_temp_dir;
using outpost::testing::write_file;

constexpr std::int64_t kNow = 1'800'000'000;
const std::string kKeyA = base64_encode(std::string(32, 'a'));
const std::string kKeyA2 = base64_encode(std::string(32, 'b'));
const std::string kKeyLeaf = base64_encode(std::string(32, 'c'));

IdentityRegistry registry() {
  auto r = IdentityRegistry::from_json(nlohmann::json::parse(
      R"([{"deviceId":"edge1","moduleId":"A","primaryKey":")" + kKeyA + R"(","secondaryKey":")" + kKeyA2 +
      R"("},{"deviceId":"leaf1","primaryKey":")" + kKeyLeaf + R"("}])"), "test");
  EXPECT_TRUE(r) << r.error();
  return std::move(*r);
}

mqtt::ConnectPacket connect_as(const iothub::Identity& id, const std::string& key, std::int64_t expiry = kNow + 3600,
                               const std::string& host = "myhub.local") {
  mqtt::ConnectPacket c;
  c.client_id = id.id();
  c.username = iothub::format_mqtt_username(host, id, iothub::kApiVersion);
  c.password = *build_sas_token(device_resource_uri(host, id.device_id, id.module_id), key, expiry);
  return c;
}

const AuthSettings kSettings{{"myhub.local", "gateway.local"}, "edge1"};

TEST(Authenticator, AcceptsModulesAndLeafDevicesWithEitherKey) {
  const auto ids = registry();
  EXPECT_TRUE(authenticate(connect_as({"edge1", std::string("A")}, kKeyA), ids, kSettings, kNow).ok());
  EXPECT_TRUE(authenticate(connect_as({"edge1", std::string("A")}, kKeyA2), ids, kSettings, kNow).ok());
  EXPECT_TRUE(authenticate(connect_as({"leaf1", std::nullopt}, kKeyLeaf), ids, kSettings, kNow).ok());
  // A token for the gateway host name is as good as one for the hub's.
  EXPECT_TRUE(authenticate(connect_as({"leaf1", std::nullopt}, kKeyLeaf, kNow + 60, "gateway.local"), ids, kSettings, kNow).ok());
}

TEST(Authenticator, RefusesWithTheRightCodeAndAReason) {
  const auto ids = registry();
  const iothub::Identity a{"edge1", std::string("A")};
  auto wrong_key = authenticate(connect_as(a, kKeyLeaf), ids, kSettings, kNow);
  EXPECT_EQ(wrong_key.code, mqtt::ConnectReturnCode::not_authorized);
  EXPECT_NE(wrong_key.reason.find("signature"), std::string::npos) << wrong_key.reason;
  auto expired = authenticate(connect_as(a, kKeyA, kNow - 301), ids, kSettings, kNow);
  EXPECT_EQ(expired.code, mqtt::ConnectReturnCode::not_authorized);
  EXPECT_NE(expired.reason.find("expired"), std::string::npos) << expired.reason;
  auto other_host = authenticate(connect_as(a, kKeyA, kNow + 60, "evil.example"), ids, kSettings, kNow);
  EXPECT_NE(other_host.reason.find("audience"), std::string::npos) << other_host.reason;
  auto mismatch = connect_as(a, kKeyA);
  mismatch.client_id = "edge1/B";
  EXPECT_EQ(authenticate(mismatch, ids, kSettings, kNow).code, mqtt::ConnectReturnCode::identifier_rejected);
  auto foreign = authenticate(connect_as({"edge2", std::string("A")}, kKeyA), ids, kSettings, kNow);
  EXPECT_NE(foreign.reason.find("does not belong to this edge device"), std::string::npos) << foreign.reason;
  auto unknown = authenticate(connect_as({"edge1", std::string("Z")}, kKeyA), ids, kSettings, kNow);
  EXPECT_EQ(unknown.reason, "unknown identity 'edge1/Z'");
  auto no_password = connect_as(a, kKeyA);
  no_password.password.reset();
  EXPECT_EQ(authenticate(no_password, ids, kSettings, kNow).code, mqtt::ConnectReturnCode::bad_username_or_password);
  auto bad_user = connect_as(a, kKeyA);
  bad_user.username = "just-a-name";
  EXPECT_EQ(authenticate(bad_user, ids, kSettings, kNow).code, mqtt::ConnectReturnCode::bad_username_or_password);
}

TEST(IdentityRegistry, NamesTheEntryAndTheField) {
  EXPECT_EQ(IdentityRegistry::from_json(nlohmann::json::parse(R"([{"moduleId":"A"}])"), "ids.json").error(),
            "ids.json: entry 0: missing \"deviceId\"");
  EXPECT_EQ(IdentityRegistry::from_json(nlohmann::json::parse(R"([{"deviceId":"d","primaryKey":"!!"}])"), "ids.json").error(),
            "ids.json: entry 0: \"primaryKey\" is not base64");
  EXPECT_EQ(IdentityRegistry::from_json(nlohmann::json::parse(R"({"deviceId":"d"})"), "ids.json").error(),
            "ids.json: expected a JSON array of identities");
  const auto dup = std::string(R"([{"deviceId":"d","primaryKey":")") + kKeyA + R"("},{"deviceId":"d","primaryKey":")" + kKeyA + R"("}])";
  EXPECT_EQ(IdentityRegistry::from_json(nlohmann::json::parse(dup), "ids.json").error(),
            "ids.json: entry 1: identity 'd' is listed twice");
}

class HubConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir("outpost-hubconf"); }
  void TearDown() override {
    std::filesystem::remove_all(dir_);
    for (const auto* v : {"IOTEDGE_IOTHUBHOSTNAME", "IOTEDGE_DEVICEID", "StorageFolder", "RuntimeLogLevel", "IotHubConnectionString"})
      ::unsetenv(v);
  }
  std::string error_of(const std::string& yaml) {
    write_file(dir_ + "/hub.yaml", yaml);
    try {
      load_hub_config(dir_ + "/hub.yaml");
    } catch (const ConfigError& e) {
      return std::string(e.what()).substr(dir_.size() + 1);
    }
    return "(no error)";
  }
  std::string dir_;
};

constexpr const char* kMinimal =
    "hostname: h\ndevice_id: e\nlisten: { mqtt: \"127.0.0.1:1883\" }\nstorage: { folder: s }\n"
    "identities: i.json\ndesired: d.json\n";

TEST_F(HubConfigTest, ReadsTheDocumentedShapeAndResolvesPathsFromTheFile) {
  write_file(dir_ + "/hub.yaml", std::string(kMinimal) +
                                     "management: { policies: [ { name: ops, primary_key: \"" + kKeyA + "\" } ] }\n");
  const auto c = load_hub_config(dir_ + "/hub.yaml");
  EXPECT_EQ(c.hostname, "h");
  EXPECT_EQ(c.storage_folder, dir_ + "/s");
  EXPECT_EQ(c.identities_file, dir_ + "/i.json");
  EXPECT_EQ(c.fsync, store::FsyncPolicy::group);
  EXPECT_EQ(c.delivery_window, 100u);
  ASSERT_EQ(c.policies.size(), 1u);
  EXPECT_FALSE(c.upstream);
}

TEST_F(HubConfigTest, FallsBackToEdgeHubEnvironmentVariables) {
  ::setenv("IOTEDGE_IOTHUBHOSTNAME", "envhub", 1);
  ::setenv("IOTEDGE_DEVICEID", "envedge", 1);
  ::setenv("StorageFolder", (dir_ + "/var/lib/x").c_str(), 1);
  ::setenv("RuntimeLogLevel", "debug", 1);
  ::setenv("IotHubConnectionString", ("HostName=envhub;DeviceId=envedge;ModuleId=$edgeHub;SharedAccessKey=" + kKeyA).c_str(), 1);
  write_file(dir_ + "/hub.yaml", "listen: { mqtt: \"127.0.0.1:0\" }\nidentities: i.json\ndesired: d.json\n");
  const auto c = load_hub_config(dir_ + "/hub.yaml");
  EXPECT_EQ(c.hostname, "envhub");
  EXPECT_EQ(c.device_id, "envedge");
  EXPECT_EQ(c.storage_folder, dir_ + "/var/lib/x");
  EXPECT_EQ(c.log_level, "debug");
  ASSERT_TRUE(c.upstream);
  EXPECT_EQ(c.upstream->mqtt_address, "envhub:8883");
  EXPECT_EQ(c.upstream->api_base, "https://envhub");
}

TEST_F(HubConfigTest, ErrorsNameLineAndKey) {
  EXPECT_EQ(error_of(std::string(kMinimal) + "colour: blue\n"),
            "hub.yaml:7:1: colour: unknown key (expected one of: hostname, device_id, gateway_hostname, listen, tls, "
            "storage, identities, desired, log_level, delivery, management, upstream)");
  EXPECT_EQ(error_of("hostname: h\ndevice_id: e\nlisten: { mqtts: \"0.0.0.0:8883\" }\nstorage: { folder: s }\n"
                     "identities: i\ndesired: d\n"),
            "hub.yaml:1:1: tls: cert and key are required by the mqtts/wss/https listeners");
  EXPECT_EQ(error_of(std::string(kMinimal) + "delivery: { window: 0 }\n"), "hub.yaml:7:21: delivery.window: must be between 1 and 10000");
  EXPECT_EQ(error_of("hostname: h\ndevice_id: e\nlisten: { mqtt: \"127.0.0.1:1883\" }\nstorage: { folder: s, fsync: sometimes }\n"
                     "identities: i\ndesired: d\n"),
            "hub.yaml:4:30: storage.fsync: expected group, always or never, got 'sometimes'");
  EXPECT_EQ(error_of(std::string(kMinimal) + "upstream: { connection_string: \"HostName=h;DeviceId=e;SharedAccessKey=" + kKeyA + "\" }\n"),
            "hub.yaml:7:32: upstream.connection_string: ModuleId must be $edgeHub: the hub acts upstream as $edgeHub");
  EXPECT_EQ(error_of(std::string(kMinimal) + "upstream: { mqtt: \"x:1\" }\n"),
            "hub.yaml:7:11: upstream: needs connection_string (or EdgeHubConnectionString / IotHubConnectionString)");
  EXPECT_EQ(error_of(std::string(kMinimal) + "log_level: loud\n"),
            "hub.yaml:1:1: log_level 'loud': expected trace, debug, info, warning, error or fatal");
}

TEST(ExampleConfigs, TheShippedHubExampleIsValid) {
  // config/ is what operators copy: it must load, identities and routes included.
  const auto c = load_hub_config(outpost::testing::source_path("config/hub.yaml"));
  EXPECT_EQ(c.device_id, "edge1");
  const auto identities = IdentityRegistry::load_file(c.identities_file);
  EXPECT_EQ(identities.size(), 3u);
  const auto check = outpost::testing::run_command(
      {outpost::testing::built_binary("outpost-hub"), "--config", outpost::testing::source_path("config/hub.yaml"), "--check"},
      std::chrono::seconds(10));
  EXPECT_EQ(check.status, 0) << check.output;
}

}  // namespace
}  // namespace outpost::hub

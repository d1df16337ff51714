// hub.yaml: the documented shape, edgeHub's environment variables, errors naming file,
// line and key, and the shipped example.
#include "hub_config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "identity_registry.h"
#include "outpost/core/config.h"
#include "outpost/core/encoding.h"
#include "support/process.h"
#include "test_keys.h"

namespace outpost::hub {
namespace {

using outpost::testing::make_temp_dir;
using outpost::testing::write_file;

using test_keys::kKeyA;

class HubConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir("outpost-hubconf"); }
  void TearDown() override {
    std::filesystem::remove_all(dir_);
    for (const auto* v : {"IOTEDGE_IOTHUBHOSTNAME", "IOTEDGE_DEVICEID", "StorageFolder", "RuntimeLogLevel", "IotHubConnectionString",
                          "UpstreamProtocol"})
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
  EXPECT_EQ(c.limits.max_connect_bytes, 64u * 1024) << "the documented defaults";
  EXPECT_EQ(c.limits.tls_handshake_timeout, std::chrono::seconds(10));
  EXPECT_EQ(c.max_held_messages, 1000u);
}

TEST_F(HubConfigTest, ReadsLimits) {
  write_file(dir_ + "/hub.yaml", std::string(kMinimal) +
                                     "limits: { max_connect_bytes: 4096, max_unauthenticated_connections: 10,"
                                     " tls_handshake_timeout_secs: 3, connect_timeout_secs: 20, max_held_messages: 5 }\n");
  const auto c = load_hub_config(dir_ + "/hub.yaml");
  EXPECT_EQ(c.limits.max_connect_bytes, 4096u);
  EXPECT_EQ(c.limits.max_unauthenticated_connections, 10u);
  EXPECT_EQ(c.limits.tls_handshake_timeout, std::chrono::seconds(3));
  EXPECT_EQ(c.limits.connect_timeout, std::chrono::seconds(20));
  EXPECT_EQ(c.max_held_messages, 5u);
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

TEST_F(HubConfigTest, UpstreamProtocolFromTheFileOrTheEnvironmentAsEdgeHubReadsIt) {
  const auto upstream = std::string(kMinimal) + "upstream: { connection_string: \"HostName=h;DeviceId=e;ModuleId=$edgeHub;SharedAccessKey=" +
                        kKeyA + "\"";
  write_file(dir_ + "/hub.yaml", upstream + " }\n");
  auto c = load_hub_config(dir_ + "/hub.yaml");
  EXPECT_EQ(c.upstream->protocol, UpstreamProtocol::amqp) << "edgeHub's default";
  EXPECT_EQ(c.upstream->amqp_address, "h:5671");
  write_file(dir_ + "/hub.yaml", upstream + ", mqtt: \"10.0.0.1:8883\" }\n");
  EXPECT_EQ(load_hub_config(dir_ + "/hub.yaml").upstream->protocol, UpstreamProtocol::mqtt) << "only an MQTT address given";
  write_file(dir_ + "/hub.yaml", upstream + " }\n");
  ::setenv("UpstreamProtocol", "MqttWs", 1);
  c = load_hub_config(dir_ + "/hub.yaml");
  EXPECT_EQ(c.upstream->protocol, UpstreamProtocol::mqtt);
  EXPECT_FALSE(c.upstream->websocket) << "MqttWs is dialled as Mqtt over TLS";
  EXPECT_EQ(c.upstream->mqtt_address, "h:8883");
  ::setenv("UpstreamProtocol", "AmqpWs", 1);
  c = load_hub_config(dir_ + "/hub.yaml");
  EXPECT_EQ(c.upstream->protocol, UpstreamProtocol::amqp);
  EXPECT_TRUE(c.upstream->websocket);
  EXPECT_EQ(c.upstream->amqp_address, "h:443") << "IoT Hub serves AMQP over WebSocket on 443";
  write_file(dir_ + "/hub.yaml", upstream + ", protocol: mqtt, amqp: \"10.0.0.1:5671\" }\n");  // the file wins
  c = load_hub_config(dir_ + "/hub.yaml");
  EXPECT_EQ(c.upstream->protocol, UpstreamProtocol::mqtt);
  EXPECT_EQ(c.upstream->amqp_address, "10.0.0.1:5671");
  EXPECT_NE(error_of(upstream + ", protocol: Http }\n").find("upstream.protocol: must be Amqp, AmqpWs, Mqtt or MqttWs"),
            std::string::npos);
  ::setenv("UpstreamProtocol", "Carrier pigeon", 1);
  EXPECT_NE(error_of(upstream + " }\n").find("UpstreamProtocol 'Carrier pigeon' must be"), std::string::npos);
}

TEST_F(HubConfigTest, ErrorsNameLineAndKey) {
  EXPECT_EQ(error_of(std::string(kMinimal) + "colour: blue\n"),
            "hub.yaml:7:1: colour: unknown key (expected one of: hostname, device_id, gateway_hostname, listen, tls, "
            "storage, identities, desired, log_level, delivery, management, limits, upstream, mqtt_broker)");
  EXPECT_EQ(error_of("hostname: h\ndevice_id: e\nlisten: { mqtts: \"0.0.0.0:8883\" }\nstorage: { folder: s }\n"
                     "identities: i\ndesired: d\n"),
            "hub.yaml:1:1: tls: cert and key are required by the mqtts/wss/amqps/https listeners");
  EXPECT_EQ(error_of(std::string(kMinimal) + "delivery: { window: 0 }\n"), "hub.yaml:7:21: delivery.window: must be between 1 and 10000");
  EXPECT_EQ(error_of("hostname: h\ndevice_id: e\nlisten: { mqtt: \"127.0.0.1:1883\" }\nstorage: { folder: s, fsync: sometimes }\n"
                     "identities: i\ndesired: d\n"),
            "hub.yaml:4:30: storage.fsync: expected group, always or never, got 'sometimes'");
  EXPECT_EQ(error_of(std::string(kMinimal) + "upstream: { connection_string: \"HostName=h;DeviceId=e;SharedAccessKey=" + kKeyA + "\" }\n"),
            "hub.yaml:7:32: upstream.connection_string: ModuleId must be $edgeHub: the hub acts upstream as $edgeHub");
  EXPECT_EQ(error_of(std::string(kMinimal) + "upstream: { mqtt: \"x:1\" }\n"),
            "hub.yaml:7:11: upstream: needs connection_string (or EdgeHubConnectionString / IotHubConnectionString)");
  EXPECT_EQ(error_of(std::string(kMinimal) + "limits: { max_connect_bytes: 10 }\n"),
            "hub.yaml:7:30: limits.max_connect_bytes: must be between 1024 and 1048576");
  EXPECT_EQ(error_of(std::string(kMinimal) + "limits: { max_held: 10 }\n"),
            "hub.yaml:7:11: limits.max_held: unknown key (expected one of: max_connect_bytes, "
            "max_unauthenticated_connections, tls_handshake_timeout_secs, connect_timeout_secs, max_held_messages)");
  EXPECT_NE(error_of(std::string(kMinimal) + "upstream: { connection_string: \"HostName=h;DeviceId=e;ModuleId=$edgeHub;SharedAccessKey=" +
                     kKeyA + "\", idle_timeout_secs: -1 }\n")
                .find("upstream.idle_timeout_secs: must be between 0 and 86400"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "tls: { device_ca_certs: missing.pem }\n").find("tls.device_ca_certs"),
            std::string::npos)
      << "the device CA file must be there and be PEM certificates";
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

// outpost-hub with Debian's mosquitto_pub / mosquitto_sub as plain MQTT clients (SAS tokens
// as passwords): routing between modules, leaf devices, authentication and authorization,
// priorities, persistence across restarts, SIGHUP, metrics. (TTL expiry is tested in process
// with a ManualClock: tests/hub/edge_hub_publish_test.cpp.)
#include <gtest/gtest.h>

#include <regex>

#include "hub/hub_process.h"
#include "support/mqtt_test_client.h"
#include "support/process.h"

namespace outpost::testing {
namespace {

using namespace std::chrono_literals;

const HubIdentity kA{"edge1", "A", random_key()};
const HubIdentity kB{"edge1", "B", random_key()};
const HubIdentity kLeaf{"leaf1", "", random_key()};

class HubWithMosquittoClients : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_program("mosquitto_pub")) GTEST_SKIP() << "mosquitto-clients not installed (scripts/install-deps)";
  }

  std::unique_ptr<HubProcess> start_hub(const nlohmann::json& routes, const std::string& extra_yaml = "",
                                        std::int64_t ttl = 7200) {
    auto hub = std::make_unique<HubProcess>(std::vector<HubIdentity>{kA, kB, kLeaf}, routes, extra_yaml, ttl);
    hub->start();
    return hub;
  }

  CommandResult pub(HubProcess& hub, const HubIdentity& id, const std::string& topic, const std::string& message,
                    const std::string& password_override = "") {
    return run_command({"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(hub.mqtt_port()), "-V", "mqttv311",
                        "-i", id.id(), "-u", hub.username(id), "-P",
                        password_override.empty() ? hub.password(id) : password_override, "-q", "1", "-t", topic,
                        "-m", message},
                       10s);
  }

  // Subscribes as `id` (persistent session) and prints "topic payload" lines.
  CommandResult sub(HubProcess& hub, const HubIdentity& id, const std::string& filter, int count,
                    int timeout_secs = 10) {
    return run_command({"mosquitto_sub", "-h", "127.0.0.1", "-p", std::to_string(hub.mqtt_port()), "-V", "mqttv311",
                        "-i", id.id(), "-c", "-u", hub.username(id), "-P", hub.password(id), "-q", "1", "-t", filter,
                        "-v", "-C", std::to_string(count), "-W", std::to_string(timeout_secs)},
                       std::chrono::seconds(timeout_secs + 10));
  }
};

TEST_F(HubWithMosquittoClients, ModuleOutputReachesAnotherModuleInputThroughARoute) {
  auto hub = start_hub({{"AtoB", "FROM /messages/modules/A/outputs/out1 INTO BrokeredEndpoint(\"/modules/B/inputs/in1\")"}});
  const auto published =
      pub(*hub, kA, "devices/edge1/modules/A/messages/events/%24.on=out1&%24.mid=m-1&prop=v%201/", "{\"t\":21}");
  ASSERT_EQ(published.status, 0) << published.output << hub->log();
  // The message waits in B's durable queue until B subscribes.
  const auto got = sub(*hub, kB, "devices/edge1/modules/B/inputs/#", 1);
  ASSERT_EQ(got.status, 0) << got.output << hub->log();
  const std::regex line(R"(devices/edge1/modules/B/inputs/in1/(\S*) \{"t":21\})");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(got.output, m, line)) << got.output;
  const auto bag = m[1].str();
  EXPECT_NE(bag.find("%24.mid=m-1"), std::string::npos) << bag;
  EXPECT_NE(bag.find("prop=v%201"), std::string::npos) << bag;
  EXPECT_NE(bag.find("%24.cdid=edge1"), std::string::npos) << bag;
  EXPECT_NE(bag.find("%24.cmid=A"), std::string::npos) << bag;
  EXPECT_EQ(bag.find("%24.on="), std::string::npos) << "the output name is not delivered: " << bag;
  EXPECT_EQ(hub->metric("edgehub_messages_received_total", "route_output=\"out1\",id=\"edge1/A\""), 1);
  EXPECT_EQ(hub->metric("edgehub_messages_sent_total", "to=\"edge1/B\""), 1);
}

TEST_F(HubWithMosquittoClients, LeafDeviceTelemetryIsRoutedAndConditionsApply) {
  auto hub = start_hub({{"leafToB", "FROM /messages/* WHERE NOT IS_DEFINED($connectionModuleId) AND level = 'hot' "
                                    "INTO BrokeredEndpoint(\"/modules/B/inputs/leaf\")"}});
  ASSERT_EQ(pub(*hub, kLeaf, "devices/leaf1/messages/events/level=cold", "c").status, 0);
  ASSERT_EQ(pub(*hub, kLeaf, "devices/leaf1/messages/events/level=hot", "h").status, 0);
  const auto got = sub(*hub, kB, "devices/edge1/modules/B/#", 1);
  ASSERT_EQ(got.status, 0) << got.output;
  EXPECT_NE(got.output.find("devices/edge1/modules/B/inputs/leaf/"), std::string::npos) << got.output;
  EXPECT_NE(got.output.find(" h"), std::string::npos) << got.output;
  EXPECT_EQ(hub->metric("edgehub_messages_dropped_total", "reason=\"no_route\""), 1) << hub->metrics();
}

TEST_F(HubWithMosquittoClients, RefusesBadTokensAndUnknownIdentities) {
  auto hub = start_hub({{"r", "FROM /* INTO $upstream"}});
  HubIdentity wrong_key = kA;
  wrong_key.key = random_key();
  const auto bad = pub(*hub, kA, "devices/edge1/modules/A/messages/events/", "x", hub->password(wrong_key));
  EXPECT_NE(bad.status, 0);
  EXPECT_NE(bad.output.find("not authori"), std::string::npos) << bad.output;
  const HubIdentity stranger{"edge1", "Z", random_key()};
  EXPECT_NE(pub(*hub, stranger, "devices/edge1/modules/Z/messages/events/", "x").status, 0);
  EXPECT_NE(hub->log().find("unknown identity 'edge1/Z'"), std::string::npos) << hub->log();
  EXPECT_GE(hub->metric("edgehub_client_connect_failed_total"), 2);
}

TEST_F(HubWithMosquittoClients, AModuleCannotPublishOrSubscribeAsAnother) {
  auto hub = start_hub({{"toB", "FROM /* INTO BrokeredEndpoint(\"/modules/B/inputs/in1\")"}});
  // A publishes on B's telemetry topic: refused, its connection closed, nothing routed.
  pub(*hub, kA, "devices/edge1/modules/B/messages/events/", "spoofed");
  EXPECT_NE(hub->log().find("refused: 'edge1/A' published as 'edge1/B'"), std::string::npos) << hub->log();
  // A subscribes to B's inputs: the subscription is refused.
  const auto snoop = sub(*hub, kA, "devices/edge1/modules/B/inputs/#", 1, 2);
  EXPECT_NE(snoop.output.find("denied"), std::string::npos) << snoop.output;
  EXPECT_NE(hub->log().find("refused subscription of 'edge1/A' to 'devices/edge1/modules/B/inputs/#'"),
            std::string::npos) << hub->log();
  EXPECT_LE(hub->metric("edgehub_queue_length", "edge1/B/in1"), 0) << "the spoofed message must not be queued";
}

TEST_F(HubWithMosquittoClients, HigherPriorityIsDeliveredFirst) {
  auto hub = start_hub(
      {{"low", {{"route", "FROM /messages/modules/A/outputs/low INTO BrokeredEndpoint(\"/modules/B/inputs/in1\")"}, {"priority", 5}}},
       {"high", {{"route", "FROM /messages/modules/A/outputs/high INTO BrokeredEndpoint(\"/modules/B/inputs/in1\")"}, {"priority", 0}}}});
  for (int i = 0; i < 3; ++i) ASSERT_EQ(pub(*hub, kA, "devices/edge1/modules/A/messages/events/%24.on=low", "low" + std::to_string(i)).status, 0);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(pub(*hub, kA, "devices/edge1/modules/A/messages/events/%24.on=high", "high" + std::to_string(i)).status, 0);
  const auto got = sub(*hub, kB, "devices/edge1/modules/B/inputs/#", 6);
  ASSERT_EQ(got.status, 0) << got.output;
  std::vector<std::string> order;
  std::istringstream in(got.output);
  std::string topic, payload;
  while (in >> topic >> payload) order.push_back(payload);
  EXPECT_EQ(order, (std::vector<std::string>{"high0", "high1", "high2", "low0", "low1", "low2"}));
}

TEST_F(HubWithMosquittoClients, QueuedMessagesSurviveAHubRestart) {
  auto hub = start_hub({{"AtoB", "FROM /messages/modules/A/* INTO BrokeredEndpoint(\"/modules/B/inputs/in1\")"}});
  for (int i = 0; i < 5; ++i) ASSERT_EQ(pub(*hub, kA, "devices/edge1/modules/A/messages/events/", "m" + std::to_string(i)).status, 0);
  hub->stop();
  hub->start();
  const auto got = sub(*hub, kB, "devices/edge1/modules/B/inputs/#", 5);
  ASSERT_EQ(got.status, 0) << got.output << hub->log();
  for (int i = 0; i < 5; ++i) EXPECT_NE(got.output.find(" m" + std::to_string(i)), std::string::npos) << got.output;
}

TEST_F(HubWithMosquittoClients, SighupReloadsRoutesAndRefusesABadFile) {
  auto hub = start_hub({{"toB", "FROM /messages/modules/A/outputs/old INTO BrokeredEndpoint(\"/modules/B/inputs/in1\")"}});
  const auto count_active = [&] {
    std::size_t n = 0;
    for (auto pos = hub->log().find("routes active"); pos != std::string::npos; pos = hub->log().find("routes active", pos + 1)) ++n;
    return n;
  };
  hub->write_routes({{"toB", "FROM /messages/modules/A/outputs/new INTO BrokeredEndpoint(\"/modules/B/inputs/in2\")"}});
  hub->reload();
  ASSERT_TRUE(wait_until([&] { return count_active() == 2; })) << hub->log();
  ASSERT_EQ(pub(*hub, kA, "devices/edge1/modules/A/messages/events/%24.on=new", "via-new-route").status, 0);
  const auto got = sub(*hub, kB, "devices/edge1/modules/B/inputs/#", 1);
  EXPECT_NE(got.output.find("devices/edge1/modules/B/inputs/in2/"), std::string::npos) << got.output;
  // A file that does not compile is refused; the running routes stay.
  write_file(hub->dir() + "/edgehub.json", "{\"schemaVersion\":\"1.1\",\"routes\":{\"r\":\"FROM nowhere\"}}");
  hub->reload();
  ASSERT_TRUE(wait_until([&] { return hub->log().find("reload refused") != std::string::npos; })) << hub->log();
  ASSERT_EQ(pub(*hub, kA, "devices/edge1/modules/A/messages/events/%24.on=new", "still-routed").status, 0);
  EXPECT_EQ(hub->metric("edgehub_messages_dropped_total", "reason=\"no_route\""), -1) << "the old routes must still apply";
}

TEST_F(HubWithMosquittoClients, BadConfigurationExitsWithAClearMessage) {
  const auto dir = make_temp_dir("outpost-hub-badconf");
  write_file(dir + "/hub.yaml", "hostname: h\ndevice_id: e\nlisten: { mqtt: \"127.0.0.1:99999\" }\n"
                                "storage: { folder: s }\nidentities: i.json\ndesired: d.json\n");
  auto r = run_command({built_binary("outpost-hub"), "--config", dir + "/hub.yaml"}, 10s);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("hub.yaml:3:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("listen.mqtt: '127.0.0.1:99999': port must be a number from 0 to 65535"), std::string::npos) << r.output;
  write_file(dir + "/hub.yaml", "hostname: h\ndevice_id: e\nlisten: { mqtt: \"127.0.0.1:0\" }\n"
                                "storage: { folder: s }\nidentities: i.json\ndesired: d.json\n");
  write_file(dir + "/i.json", "[]");
  write_file(dir + "/d.json", R"({"schemaVersion":"1.1","routes":{"r1":"FROM /messages/* WHERE temp > 30 INTO $upstream"},
                                  "storeAndForwardConfiguration":{"timeToLiveSecs":7200}})");
  r = run_command({built_binary("outpost-hub"), "--config", dir + "/hub.yaml", "--check"}, 10s);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("route 'r1'"), std::string::npos) << r.output;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace outpost::testing

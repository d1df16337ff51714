// hub.yaml `mqtt_broker:` (src/hub/mqtt_broker_config.cpp) and password hashes
// (src/hub/password_hash.cpp): the documented shape, and clear errors naming key and line.
#include "mqtt_broker_config.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "hub_config.h"
#include "password_hash.h"
#include "outpost/core/config.h"
#include "support/process.h"

namespace outpost::hub {
namespace {

using outpost::testing::make_temp_dir;
using outpost::testing::write_file;

// Few iterations: the tests check the format, not the cost.
const std::string kHash = hash_password("s3cret", 1000);

TEST(PasswordHashTest, VerifiesTheRightPasswordOnly) {
  const auto hash = hash_password("s3cret", 1000);
  EXPECT_TRUE(hash.starts_with("pbkdf2-sha256$1000$")) << hash;
  EXPECT_TRUE(check_password_hash(hash).ok());
  EXPECT_TRUE(verify_password("s3cret", hash));
  EXPECT_FALSE(verify_password("s3cret ", hash));
  EXPECT_FALSE(verify_password("", hash));
  EXPECT_NE(hash, hash_password("s3cret", 1000)) << "a fresh salt each time";
}

TEST(PasswordHashTest, RefusesMalformedHashes) {
  for (const std::string bad : {"", "s3cret", "pbkdf2-sha256$1000$abc", "md5$1000$AAAAAAAAAAA=$AAAAAAAAAAAAAAAAAAAAAA==",
                                "pbkdf2-sha256$10$AAAAAAAAAAA=$AAAAAAAAAAAAAAAAAAAAAA==",
                                "pbkdf2-sha256$99999999999$AAAAAAAAAAA=$AAAAAAAAAAAAAAAAAAAAAA==",
                                "pbkdf2-sha256$1000$!!$AAAAAAAAAAAAAAAAAAAAAA==", "pbkdf2-sha256$1000$AAAAAAAAAAA=$AA=="}) {
    EXPECT_FALSE(check_password_hash(bad).ok()) << bad;
    EXPECT_FALSE(verify_password("x", bad)) << bad;
  }
}

class MqttBrokerConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir("outpost-brokerconf"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string yaml(const std::string& broker) {
    return "hostname: h\ndevice_id: e\nlisten: { mqtt: \"127.0.0.1:1883\" }\nstorage: { folder: s }\n"
           "identities: i.json\ndesired: d.json\n" + broker;
  }
  HubConfig load(const std::string& broker) {
    write_file(dir_ + "/hub.yaml", yaml(broker));
    return load_hub_config(dir_ + "/hub.yaml");
  }
  std::string error_of(const std::string& broker) {
    try {
      load(broker);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "(no error)";
  }
  std::string dir_;
};

TEST_F(MqttBrokerConfigTest, AbsentMeansNoPlainClientsAndDefaultLimits) {
  const auto c = load("");
  EXPECT_TRUE(c.mqtt_broker.users.empty());
  EXPECT_TRUE(c.mqtt_broker.anonymous_listeners.empty());
  EXPECT_EQ(c.mqtt_broker.max_subscriptions_per_client, 100u);
  EXPECT_EQ(c.mqtt_broker.max_retained_messages, 10000u);
}

TEST_F(MqttBrokerConfigTest, ReadsUsersHashesFromTheFileOrAFileAndAnonymousListeners) {
  write_file(dir_ + "/plc.hash", kHash + "\n");
  const auto c = load("mqtt_broker:\n  users:\n    - { name: sensor, password_hash: \"" + kHash +
                      "\" }\n    - { name: plc, password_file: plc.hash }\n  allow_anonymous: [mqtt]\n"
                      "  max_subscriptions_per_client: 5\n  max_retained_messages: 7\n  max_retained_bytes: 4096\n"
                      "  max_persistent_sessions: 3\n  max_queued_messages: 50\n");
  ASSERT_EQ(c.mqtt_broker.users.size(), 2u);
  EXPECT_EQ(c.mqtt_broker.users[1].name, "plc");
  EXPECT_EQ(c.mqtt_broker.users[1].password_hash, kHash) << "the file's line, without its newline";
  EXPECT_TRUE(c.mqtt_broker.anonymous_on("mqtt"));
  EXPECT_FALSE(c.mqtt_broker.anonymous_on("mqtts"));
  EXPECT_EQ(c.mqtt_broker.max_subscriptions_per_client, 5u);
  EXPECT_EQ(c.mqtt_broker.max_retained_messages, 7u);
  EXPECT_EQ(c.mqtt_broker.max_retained_bytes, 4096u);
  EXPECT_EQ(c.mqtt_broker.max_persistent_sessions, 3u);
  EXPECT_EQ(c.mqtt_broker.max_queued_messages, 50u);
}

TEST_F(MqttBrokerConfigTest, ListsEveryProblemWithItsKey) {
  const auto e = error_of(
      "mqtt_broker:\n  users:\n    - { name: a, password: plain }\n    - { name: b, password_hash: nothash }\n"
      "    - { name: c, password_file: missing.hash }\n    - { name: d }\n"
      "    - { name: e, password_hash: \"" + kHash + "\" }\n    - { name: e, password_hash: \"" + kHash + "\" }\n"
      "  allow_anonymous: [mqtt, mqtts, ftp]\n  max_subscriptions_per_client: 0\n  colour: red\n"
      "  max_queued_messages: -5\n");
  EXPECT_NE(e.find("mqtt_broker.users[0]"), std::string::npos) << e;
  EXPECT_NE(e.find("password"), std::string::npos) << e;
  EXPECT_NE(e.find("mqtt_broker.users[1].password_hash"), std::string::npos) << e;
  EXPECT_NE(e.find("--hash-password"), std::string::npos) << e;
  EXPECT_NE(e.find("mqtt_broker.users[2].password_file"), std::string::npos) << e;
  EXPECT_NE(e.find("needs exactly one of password_hash and password_file"), std::string::npos) << e;
  EXPECT_NE(e.find("user 'e' is listed twice"), std::string::npos) << e;
  EXPECT_NE(e.find("'ftp': expected a listener name"), std::string::npos) << e;
  EXPECT_NE(e.find("'mqtts' is not a listener of this hub"), std::string::npos) << e;
  EXPECT_NE(e.find("max_subscriptions_per_client"), std::string::npos) << e;
  EXPECT_NE(e.find("colour"), std::string::npos) << e;
  EXPECT_NE(e.find("max_queued_messages"), std::string::npos) << e;
}

TEST_F(MqttBrokerConfigTest, ReadsAuthorizationsInTheTwinsShapeWrittenAsYaml) {
  const auto c = load(
      "mqtt_broker:\n  users:\n    - { name: plc, password_hash: \"" + kHash + "\" }\n"
      "  authorizations:\n"
      "    - identities: [plc]\n"
      "      allow:\n        - { operations: [\"mqtt:publish\"], resources: [\"plant/{{iot:client_id}}/#\"] }\n"
      "      deny:\n        - { operations: [\"mqtt:subscribe\"] }\n");
  ASSERT_TRUE(c.mqtt_broker.authorizations.has_value());
  const auto plc = c.mqtt_broker.authorizations->for_client({"plc", "", "", "plc-7"}, "e");
  EXPECT_EQ(plc.publish("plant/plc-7/temp").effect, mqtt_policy::Effect::allowed);
  EXPECT_EQ(plc.subscribe("plant/plc-7/temp").effect, mqtt_policy::Effect::denied);
  EXPECT_FALSE(load("").mqtt_broker.authorizations.has_value());
}

TEST_F(MqttBrokerConfigTest, AuthorizationMistakesNameTheElementAndLine) {
  const auto e = error_of("mqtt_broker:\n  authorizations:\n    - identities: [plc]\n"
                          "      allow: [ { operations: [\"mqtt:pub\"] } ]\n");
  EXPECT_NE(e.find("hub.yaml:9:5: mqtt_broker.authorizations: [0].allow[0].operations[0]: \"mqtt:pub\" is not an "
                   "operation"), std::string::npos) << e;
}

TEST_F(MqttBrokerConfigTest, UserNamesThatAPolicyCouldMistakeAreRefused) {
  const auto e = error_of("mqtt_broker:\n  users:\n    - { name: \"myhub/dev\", password_hash: \"" + kHash +
                          "\" }\n    - { name: \"$anonymous\", password_hash: \"" + kHash + "\" }\n");
  EXPECT_NE(e.find("'myhub/dev': a user name may not contain '/' nor start with '$'"), std::string::npos) << e;
  EXPECT_NE(e.find("'$anonymous': a user name may not contain '/' nor start with '$'"), std::string::npos) << e;
}

TEST(ListenerOfTransportTest, NamesTheHubYamlListener) {
  EXPECT_EQ(listener_of_transport("tcp"), "mqtt");
  EXPECT_EQ(listener_of_transport("tls"), "mqtts");
  EXPECT_EQ(listener_of_transport("wss"), "wss");
}

TEST_F(MqttBrokerConfigTest, ReadsBridgesInEdgeHubsSettingsShape) {
  write_file(dir_ + "/bridge.pw", "secret\n");
  const auto c = load(
      "mqtt_broker:\n  bridges:\n"
      "    - endpoint: \"mqtt://10.0.0.2:1883\"\n"
      "      settings:\n"
      "        - { direction: out, topic: \"#\", inPrefix: \"local/telemetry/\", outPrefix: \"remote/messages/\" }\n"
      "        - { direction: in, topic: \"alerts/#\" }\n"
      "        - { direction: both, topic: \"\", inPrefix: \"status\", outPrefix: \"site1/status\" }\n"
      "    - { endpoint: \"mqtts://parent:8883\", client_id: child, username: child, password_file: bridge.pw,\n"
      "        ca: ca.pem, settings: [ { direction: in, topic: \"cmd/+\" } ] }\n");
  ASSERT_EQ(c.mqtt_broker.bridges.size(), 2u);
  const auto& b = c.mqtt_broker.bridges[0];
  EXPECT_EQ(b.server_uri, "tcp://10.0.0.2:1883");
  EXPECT_EQ(b.client_id, "e-bridge-0") << "default: {device_id}-bridge-{n}";
  EXPECT_EQ(b.remote_topic("local/telemetry/line1/temp"), "remote/messages/line1/temp");
  EXPECT_EQ(b.remote_topic("alerts/fire"), std::nullopt) << "an in setting sends nothing out";
  EXPECT_EQ(b.local_topic("alerts/fire"), "alerts/fire");
  EXPECT_EQ(b.local_topic("remote/messages/x"), std::nullopt) << "an out setting brings nothing in";
  EXPECT_EQ(b.remote_topic("status"), "site1/status") << "an empty topic: the prefixes are the whole topic";
  EXPECT_EQ(b.local_topic("site1/status"), "status");
  EXPECT_EQ(b.remote_topic("status/x"), std::nullopt);
  const auto& tls = c.mqtt_broker.bridges[1];
  EXPECT_EQ(tls.server_uri, "ssl://parent:8883");
  EXPECT_EQ(tls.client_id, "child");
  EXPECT_EQ(tls.password, "secret") << "the file's line, without its newline";
  EXPECT_EQ(tls.ca_file, dir_ + "/ca.pem");
  EXPECT_EQ(tls.local_topic("cmd/a"), "cmd/a");
  EXPECT_EQ(tls.local_topic("cmd/a/b"), std::nullopt);
}

TEST_F(MqttBrokerConfigTest, AnUpstreamBridgeUsesTheHubsOwnLinkAndNoLoginOfItsOwn) {
  const auto c = load(
      "mqtt_broker:\n  bridges:\n"
      "    - { endpoint: \"$upstream\", settings: [ { direction: both, topic: \"t/#\", outPrefix: \"child1/\" } ] }\n");
  const auto& bridges = c.mqtt_broker.bridges;
  ASSERT_EQ(bridges.size(), 1u);
  EXPECT_TRUE(bridges[0].upstream());
  EXPECT_EQ(bridges[0].server_uri, "");
  EXPECT_EQ(bridges[0].remote_topic("t/1"), "child1/t/1");
  EXPECT_EQ(bridges[0].local_topic("child1/t/1"), "t/1");
  const auto e = error_of(
      "mqtt_broker:\n  bridges:\n"
      "    - { endpoint: \"$upstream\", client_id: x, settings: [ { direction: in, topic: a } ] }\n");
  EXPECT_NE(e.find("client_id: a $upstream bridge uses the hub's own link to its parent"), std::string::npos) << e;
}

TEST_F(MqttBrokerConfigTest, NamesWhatIsWrongWithABridge) {
  const auto e = error_of(
      "mqtt_broker:\n  bridges:\n"
      "    - { endpoint: \"$upstream\", settings: [ { direction: in, topic: a } ] }\n"
      "    - { endpoint: \"http://x:1\", settings: [ { direction: sideways, topic: a } ] }\n"
      "    - { endpoint: \"mqtt://x\", settings: [] }\n"
      "    - { endpoint: \"mqtt://x:1\", settings: [ { direction: out, topic: \"a/#/b\" },\n"
      "        { direction: in, topic: a, inPrefix: \"+/\" } ] }\n");
  EXPECT_NE(e.find("expected $upstream, mqtt://host:port or mqtts://host:port"), std::string::npos) << e;
  EXPECT_NE(e.find("'sideways': expected in, out or both"), std::string::npos) << e;
  EXPECT_NE(e.find("the port is missing"), std::string::npos) << e;
  EXPECT_NE(e.find("a bridge needs at least one setting"), std::string::npos) << e;
  EXPECT_NE(e.find("'a/#/b' is not a valid topic filter"), std::string::npos) << e;
  EXPECT_NE(e.find("inPrefix"), std::string::npos) << e;
}

}  // namespace
}  // namespace outpost::hub

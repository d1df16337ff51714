// outpost-hub as a plain MQTT broker beside IoT Hub's topics (issue 14, slice 1), with
// Debian's mosquitto_pub / mosquitto_sub (MQTT 3.1.1) as the clients: user name and password
// (hashed with `outpost-hub --hash-password`), anonymous clients where a hub allows them,
// wildcards, QoS 1 and 2, retained messages and their clearing, wills on an abrupt end, IoT Hub
// modules on plain topics, refusals, an authorization policy in hub.yaml, and `--check` on a
// bad mqtt_broker section.
#include <gtest/gtest.h>

#include "hub/hub_process.h"
#include "support/mqtt_test_client.h"
#include "support/process.h"

namespace outpost::testing {
namespace {

using namespace std::chrono_literals;

const HubIdentity kA{"edge1", "A", random_key()};

class HubPlainMqtt : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_program("mosquitto_pub")) GTEST_SKIP() << "mosquitto-clients not installed (scripts/install-deps)";
    const auto hashed = run_command({"sh", "-c", "printf %s s3cret | '" + built_binary("outpost-hub") + "' --hash-password"}, 20s);
    ASSERT_EQ(hashed.status, 0) << hashed.output;
    hash_ = hashed.output.substr(0, hashed.output.find('\n'));
    ASSERT_EQ(hash_.rfind("pbkdf2-sha256$", 0), 0u) << hashed.output;
  }

  std::unique_ptr<HubProcess> start_hub(bool anonymous,
                                        nlohmann::json routes = nlohmann::json{{"r", "FROM /* INTO $upstream"}}) {
    auto hub = std::make_unique<HubProcess>(
        std::vector<HubIdentity>{kA}, std::move(routes),
        "mqtt_broker:\n  users:\n    - { name: sensor, password_hash: \"" + hash_ + "\" }\n" +
            (anonymous ? "  allow_anonymous: [mqtt]\n" : ""));
    hub->start();
    return hub;
  }

  static std::vector<std::string> base(const std::string& tool, HubProcess& hub, const std::string& client_id,
                                       const std::string& user, const std::string& password) {
    std::vector<std::string> argv{tool, "-h", "127.0.0.1", "-p", std::to_string(hub.mqtt_port()), "-V", "mqttv311",
                                  "-i", client_id};
    if (!user.empty()) argv.insert(argv.end(), {"-u", user, "-P", password});
    return argv;
  }

  CommandResult pub(HubProcess& hub, const std::string& topic, const std::string& message,
                    std::vector<std::string> extra = {}, const std::string& user = "sensor",
                    const std::string& password = "s3cret") {
    auto argv = base("mosquitto_pub", hub, "pub-" + std::to_string(++counter_), user, password);
    argv.insert(argv.end(), {"-q", "1", "-t", topic});
    if (message.empty()) argv.push_back("-n");  // a zero-length payload
    else argv.insert(argv.end(), {"-m", message});
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_command(argv, 10s);
  }

  // mosquitto_sub in the background, printing "topic payload" lines (-d adds each PUBLISH's
  // flags); returns once the hub logged the subscription.
  std::unique_ptr<Process> sub_in_background(HubProcess& hub, const std::string& client_id, const std::string& filter,
                                             int count, std::vector<std::string> extra = {}) {
    auto argv = base("mosquitto_sub", hub, client_id, "sensor", "s3cret");
    argv.insert(argv.end(), {"-d", "-q", "1", "-t", filter, "-v", "-C", std::to_string(count), "-W", "15"});
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto p = std::make_unique<Process>(argv, hub.dir() + "/" + client_id + ".log");
    const auto subscribed = "'" + client_id + "' subscribed to '" + filter + "'";
    EXPECT_TRUE(wait_until([&] { return hub.log().find(subscribed) != std::string::npos; }, 10s))
        << p->log() << hub.log();
    return p;
  }

  // Waits for a background mosquitto_sub to have its count of messages; returns its output.
  static std::string finish(Process& p) {
    const auto status = p.wait(15s);
    EXPECT_EQ(status, 0) << p.log();
    return p.log();
  }

  std::string hash_;
  int counter_ = 0;
};

TEST_F(HubPlainMqtt, UserAndPasswordConnectAndWrongOnesAreRefused) {
  auto hub = start_hub(false);
  EXPECT_EQ(pub(*hub, "hello", "world").status, 0) << hub->log();
  const auto wrong = pub(*hub, "hello", "world", {}, "sensor", "nope");
  EXPECT_NE(wrong.status, 0);
  EXPECT_NE(wrong.output.find("bad user name or password"), std::string::npos) << wrong.output;
  EXPECT_NE(pub(*hub, "hello", "world", {}, "stranger", "s3cret").status, 0);
  EXPECT_NE(hub->log().find("wrong password for MQTT user 'sensor'"), std::string::npos) << hub->log();
  EXPECT_NE(hub->log().find("nor a configured MQTT user"), std::string::npos) << hub->log();
  EXPECT_EQ(hub->metric("edgehub_client_connect_success_total", "id=\"mqtt:sensor\""), 1);
  EXPECT_EQ(hub->metric("edgehub_client_connect_failed_total", "id=\"mqtt:refused\""), 2);
}

TEST_F(HubPlainMqtt, AnonymousClientsOnlyWhereTheListenerAllowsThem) {
  auto closed = start_hub(false);
  const auto refused = pub(*closed, "hello", "world", {}, "");
  EXPECT_NE(refused.status, 0);
  EXPECT_NE(refused.output.find("not authori"), std::string::npos) << refused.output;
  EXPECT_NE(closed->log().find("does not allow anonymous clients"), std::string::npos) << closed->log();
  auto open = start_hub(true);
  EXPECT_EQ(pub(*open, "hello", "world", {}, "").status, 0) << open->log();
}

TEST_F(HubPlainMqtt, WildcardSubscriptionsGetWhatMatchesAtQos1) {
  auto hub = start_hub(false);
  auto sub = sub_in_background(*hub, "watcher", "plant/+/temp", 2);
  ASSERT_EQ(pub(*hub, "plant/line1/temp", "21").status, 0);
  ASSERT_EQ(pub(*hub, "plant/line1/pressure", "1013").status, 0);
  ASSERT_EQ(pub(*hub, "plant/line2/temp", "22").status, 0);
  const auto out = finish(*sub);
  EXPECT_NE(out.find("plant/line1/temp 21"), std::string::npos) << out;
  EXPECT_NE(out.find("plant/line2/temp 22"), std::string::npos) << out;
  EXPECT_EQ(out.find("pressure"), std::string::npos) << out;
  EXPECT_NE(out.find("q1"), std::string::npos) << "delivered at QoS 1: " << out;
}

TEST_F(HubPlainMqtt, RetainedMessagesReachLateSubscribersUntilCleared) {
  auto hub = start_hub(false);
  ASSERT_EQ(pub(*hub, "door/1", "open", {"-r"}).status, 0);
  ASSERT_EQ(pub(*hub, "door/2", "shut", {"-r"}).status, 0);
  auto late = sub_in_background(*hub, "late", "door/#", 2);
  const auto out = finish(*late);
  EXPECT_NE(out.find("door/1 open"), std::string::npos) << out;
  EXPECT_NE(out.find("door/2 shut"), std::string::npos) << out;
  EXPECT_NE(out.find("r1"), std::string::npos) << "flagged retained: " << out;
  ASSERT_EQ(pub(*hub, "door/1", "", {"-r"}).status, 0);  // an empty retained payload clears
  auto later = sub_in_background(*hub, "later", "door/#", 1);
  const auto after = finish(*later);
  EXPECT_NE(after.find("door/2 shut"), std::string::npos) << after;
  EXPECT_EQ(after.find("door/1"), std::string::npos) << after;
}

TEST_F(HubPlainMqtt, Qos2PublishesAreReceivedOnceAndDeliveredAtTheGrantedQos) {
  auto hub = start_hub(false);
  auto sub = sub_in_background(*hub, "q2-watcher", "q2/#", 2);
  auto sub2 = sub_in_background(*hub, "q2-watcher2", "q2/+", 2, {"-q", "2"});  // the last -q wins
  for (const std::string message : {"first", "second"}) {
    auto argv = base("mosquitto_pub", *hub, "q2-pub", "sensor", "s3cret");
    argv.insert(argv.end(), {"-q", "2", "-t", "q2/x", "-m", message});
    const auto published = run_command(argv, 10s);
    ASSERT_EQ(published.status, 0) << published.output << hub->log();
  }
  const auto out = finish(*sub);
  EXPECT_NE(out.find("q2/x first"), std::string::npos) << out;
  EXPECT_NE(out.find("q2/x second"), std::string::npos) << out;
  EXPECT_NE(out.find("q1"), std::string::npos) << "granted QoS 1: " << out;
  const auto out2 = finish(*sub2);
  EXPECT_NE(out2.find("q2/x first"), std::string::npos) << out2;
  EXPECT_NE(out2.find("q2/x second"), std::string::npos) << out2;
  EXPECT_NE(out2.find("received PUBLISH (d0, q2"), std::string::npos) << "delivered at QoS 2: " << out2;
  EXPECT_NE(out2.find("received PUBREL"), std::string::npos) << "the hub's PUBREL: " << out2;
}

TEST_F(HubPlainMqtt, APersistentSessionGetsWhatWasPublishedWhileItWasAwayEvenAcrossKill9) {
  auto hub = start_hub(false);
  auto first = sub_in_background(*hub, "keeper", "log/#", 1, {"-c"});  // -c: cleanSession=0
  ASSERT_EQ(pub(*hub, "log/a", "before").status, 0);
  EXPECT_NE(finish(*first).find("log/a before"), std::string::npos);
  ASSERT_EQ(pub(*hub, "log/a", "away-1").status, 0);  // acknowledged while the keeper is away
  ASSERT_EQ(pub(*hub, "log/b", "away-2").status, 0);
  hub->kill();
  hub->start();
  auto back = sub_in_background(*hub, "keeper", "log/#", 2, {"-c"});
  const auto out = finish(*back);
  EXPECT_NE(out.find("log/a away-1"), std::string::npos) << out << hub->log();
  EXPECT_NE(out.find("log/b away-2"), std::string::npos) << out;
  EXPECT_LT(out.find("away-1"), out.find("away-2")) << "in order: " << out;
  EXPECT_NE(hub->log().find("persistent MQTT sessions restored"), std::string::npos) << hub->log();
}

TEST_F(HubPlainMqtt, AWillIsPublishedWhenAClientDiesWithoutDisconnect) {
  auto hub = start_hub(false);
  auto watcher = sub_in_background(*hub, "watcher", "status/#", 1);
  auto dying = sub_in_background(*hub, "dying", "nothing", 1,
                                 {"--will-topic", "status/dying", "--will-payload", "gone", "--will-qos", "1"});
  dying->kill_hard();  // no DISCONNECT: the socket just closes
  const auto out = finish(*watcher);
  EXPECT_NE(out.find("status/dying gone"), std::string::npos) << out << hub->log();
}

TEST_F(HubPlainMqtt, IotHubModulesShareThePlainTopicsAndPlainClientsStayOutOfIotHubs) {
  auto hub = start_hub(false);
  auto watcher = sub_in_background(*hub, "watcher", "modules/#", 1);
  const auto from_module = run_command(
      {"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(hub->mqtt_port()), "-V", "mqttv311", "-i", kA.id(),
       "-u", hub->username(kA), "-P", hub->password(kA), "-q", "1", "-t", "modules/A/status", "-m", "up"},
      10s);
  ASSERT_EQ(from_module.status, 0) << from_module.output << hub->log();
  EXPECT_NE(finish(*watcher).find("modules/A/status up"), std::string::npos);
  // A plain client may not subscribe to IoT Hub topics.
  auto argv = base("mosquitto_sub", *hub, "snoop", "sensor", "s3cret");
  argv.insert(argv.end(), {"-t", "devices/edge1/modules/A/inputs/#", "-C", "1", "-W", "3"});
  const auto snoop = run_command(argv, 10s);
  EXPECT_NE(snoop.output.find("denied"), std::string::npos) << snoop.output;
  EXPECT_GE(hub->metric("outpost_mqtt_refused_total", "operation=\"subscribe\",reason=\"not_authorized\""), 1)
      << hub->metrics();
}

TEST_F(HubPlainMqtt, APlainTopicReachesAModuleInputThroughARoute) {
  auto hub = start_hub(false, {{"plc", R"(FROM /topics/plant/* INTO BrokeredEndpoint("/modules/A/inputs/plc"))"}});
  // Routed messages wait in the module's input queue: the module may subscribe before or after.
  ASSERT_EQ(pub(*hub, "plant/line1/temp", "21.5").status, 0) << hub->log();
  const auto module = run_command(
      {"mosquitto_sub", "-h", "127.0.0.1", "-p", std::to_string(hub->mqtt_port()), "-V", "mqttv311", "-i", kA.id(),
       "-u", hub->username(kA), "-P", hub->password(kA), "-q", "1", "-t", "devices/edge1/modules/A/inputs/#", "-v",
       "-C", "1", "-W", "15"},
      20s);
  ASSERT_EQ(module.status, 0) << module.output << hub->log();
  EXPECT_NE(module.output.find("devices/edge1/modules/A/inputs/plc/"), std::string::npos) << module.output;
  EXPECT_NE(module.output.find("mqtt-topic=plant%2Fline1%2Ftemp"), std::string::npos) << module.output;
  EXPECT_NE(module.output.find(" 21.5"), std::string::npos) << module.output;
}

TEST_F(HubPlainMqtt, Mqtt5ClientsShareTheTopicsWithMqtt311OnesAndKeepTheirSessionsAcrossKill9) {
  auto hub = start_hub(false);
  const std::vector<std::string> v5{"-V", "mqttv5"};  // after base()'s -V mqttv311: the last one counts
  auto v5_watcher = sub_in_background(*hub, "v5-watcher", "plant/+/temp", 2, v5);
  auto v3_watcher = sub_in_background(*hub, "v3-watcher", "plant/+/temp", 2);
  // A Topic Alias on the first publish (mosquitto_pub -D sets a property).
  auto aliased = v5;
  aliased.insert(aliased.end(), {"-D", "publish", "topic-alias", "1"});
  ASSERT_EQ(pub(*hub, "plant/line1/temp", "21", aliased).status, 0) << hub->log();
  ASSERT_EQ(pub(*hub, "plant/line2/temp", "22", v5).status, 0);
  for (auto* watcher : {v5_watcher.get(), v3_watcher.get()}) {
    const auto out = finish(*watcher);
    EXPECT_NE(out.find("plant/line1/temp 21"), std::string::npos) << out;
    EXPECT_NE(out.find("plant/line2/temp 22"), std::string::npos) << out;
  }
  // A Session Expiry Interval makes an MQTT 5 session persistent (-c: Clean Start 0).
  auto keep = v5;
  keep.insert(keep.end(), {"-c", "-x", "3600"});
  auto first = sub_in_background(*hub, "v5-keeper", "log/#", 1, keep);
  ASSERT_EQ(pub(*hub, "log/a", "before").status, 0);
  EXPECT_NE(finish(*first).find("log/a before"), std::string::npos);
  ASSERT_EQ(pub(*hub, "log/a", "away", v5).status, 0);
  hub->kill();
  hub->start();
  auto back = sub_in_background(*hub, "v5-keeper", "log/#", 1, keep);
  EXPECT_NE(finish(*back).find("log/a away"), std::string::npos) << hub->log();
}

TEST_F(HubPlainMqtt, Mqtt5PropertiesReachTheSubscriberWithItsSubscriptionIdentifier) {
  auto hub = start_hub(false);
  // -F prints: topic, payload, content type, response topic, correlation data, user
  // properties, subscription identifier, message expiry interval.
  auto watcher = sub_in_background(*hub, "v5-props", "req/#", 1,
                                   {"-V", "mqttv5", "-D", "subscribe", "subscription-identifier", "9", "-F",
                                    "got %t|%p|%C|%R|%D|%P|%S|%E"});
  ASSERT_EQ(pub(*hub, "req/1", "{\"op\":1}",
                {"-V", "mqttv5", "-D", "publish", "content-type", "application/json", "-D", "publish",
                 "response-topic", "replies/c7", "-D", "publish", "correlation-data", "corr-42", "-D", "publish",
                 "user-property", "site", "plant1", "-D", "publish", "message-expiry-interval", "600"})
                .status,
            0)
      << hub->log();
  const auto out = finish(*watcher);
  const auto at = out.find("got req/1|{\"op\":1}|application/json|replies/c7|corr-42|site:plant1|9|");
  ASSERT_NE(at, std::string::npos) << out;
  const auto expiry = std::stoi(out.substr(out.find('|', out.find("|9|", at) + 1) + 1));
  EXPECT_GE(expiry, 590) << out;
  EXPECT_LE(expiry, 600) << out;
}

TEST_F(HubPlainMqtt, ASharedSubscriptionGivesEachMessageToOneOfItsMosquittoSubscribers) {
  auto hub = start_hub(false);
  const std::vector<std::string> v5{"-V", "mqttv5"};
  auto w1 = sub_in_background(*hub, "worker-1", "$share/workers/jobs/#", 3, v5);
  auto w2 = sub_in_background(*hub, "worker-2", "$share/workers/jobs/#", 3, v5);
  for (int i = 0; i < 6; ++i) ASSERT_EQ(pub(*hub, "jobs/" + std::to_string(i), "job" + std::to_string(i)).status, 0);
  std::string both;
  for (auto* w : {w1.get(), w2.get()}) {
    const auto out = finish(*w);  // each exits after its third message
    both += out;
  }
  for (int i = 0; i < 6; ++i)
    EXPECT_NE(both.find("jobs/" + std::to_string(i) + " job" + std::to_string(i)), std::string::npos)
        << "every message reached one member: " << both;
}

TEST_F(HubPlainMqtt, Mqtt5SessionExpiryWillDelayAndTakeoverWithMosquittoSub) {
  auto hub = start_hub(false);
  auto watcher = sub_in_background(*hub, "watcher", "status/#", 1);
  // -x 1: the session ends 1 s after the connection; the will waits 1 s (-D will ...).
  auto brief = sub_in_background(*hub, "brief", "log/#", 1,
                                 {"-V", "mqttv5", "-c", "-x", "1", "--will-topic", "status/brief", "--will-payload",
                                  "gone", "-D", "will", "will-delay-interval", "1"});
  brief->kill_hard();
  ASSERT_EQ(pub(*hub, "log/a", "queued while away").status, 0);
  EXPECT_NE(finish(*watcher).find("status/brief gone"), std::string::npos) << hub->log();
  EXPECT_NE(hub->log().find("the will of 'brief' is published in 1 s"), std::string::npos) << hub->log();
  ASSERT_TRUE(wait_until([&] { return hub->log().find("session of 'brief' ended: expired") != std::string::npos; }, 10s))
      << hub->log();
  EXPECT_EQ(hub->metric("edgehub_messages_dropped_total", "reason=\"session_discarded\""), 1) << hub->metrics();
  // The same client id again: the first connection is told why it ends (0x8E = 142).
  auto first = sub_in_background(*hub, "twin", "a", 1, {"-V", "mqttv5"});
  auto second = sub_in_background(*hub, "twin", "b", 1, {"-V", "mqttv5"});
  EXPECT_TRUE(wait_until([&] { return first->log().find("DISCONNECT (142)") != std::string::npos; }, 10s))
      << first->log();
}

TEST_F(HubPlainMqtt, CheckNamesTheProblemsOfABadMqttBrokerSection) {
  HubProcess hub({kA}, nlohmann::json{{"r", "FROM /* INTO $upstream"}},
                 "mqtt_broker:\n  users:\n    - { name: sensor, password: s3cret }\n  allow_anonymous: [mqtts]\n");
  const auto check = run_command({built_binary("outpost-hub"), "--config", hub.dir() + "/hub.yaml", "--check"}, 20s);
  EXPECT_NE(check.status, 0);
  EXPECT_NE(check.output.find("mqtt_broker.users[0]"), std::string::npos) << check.output;
  EXPECT_NE(check.output.find("'mqtts' is not a listener of this hub"), std::string::npos) << check.output;
}

TEST_F(HubPlainMqtt, AnAuthorizationPolicyInHubYamlAllowsAndRefuses) {
  auto hub = std::make_unique<HubProcess>(
      std::vector<HubIdentity>{kA}, nlohmann::json{{"r", "FROM /* INTO $upstream"}},
      "mqtt_broker:\n  users:\n    - { name: sensor, password_hash: \"" + hash_ + "\" }\n"
      "  authorizations:\n"
      "    - identities: [sensor]\n"
      "      allow:\n        - { operations: [\"mqtt:publish\", \"mqtt:subscribe\"], resources: [\"plant/#\"] }\n"
      "      deny:\n        - { operations: [\"mqtt:publish\"], resources: [\"plant/secret\"] }\n");
  hub->start();
  auto sub = sub_in_background(*hub, "watcher", "plant/#", 1);
  EXPECT_EQ(pub(*hub, "plant/secret", "leak").status, 0) << "acknowledged (MQTT 3.1.1 has no refusal), dropped";
  EXPECT_EQ(pub(*hub, "office/door", "no").status, 0);
  EXPECT_EQ(pub(*hub, "plant/line1", "ok").status, 0);
  const auto out = finish(*sub);
  EXPECT_NE(out.find("plant/line1 ok"), std::string::npos) << out;
  EXPECT_EQ(out.find("leak"), std::string::npos) << "the first message delivered must be the allowed one: " << out;
  // A subscription the policy does not allow: SUBACK 0x80.
  auto argv = base("mosquitto_sub", *hub, "nosy", "sensor", "s3cret");
  argv.insert(argv.end(), {"-d", "-t", "office/#", "-E"});  // -E: exit once the SUBACK came
  const auto denied = run_command(argv, 10s);
  EXPECT_NE(denied.output.find("Subscribed (mid: 1): 128"), std::string::npos) << denied.output;
  EXPECT_NE(hub->log().find("refused subscription of 'nosy' to 'office/#': no authorization statement allows it"),
            std::string::npos) << hub->log();
  EXPECT_NE(hub->log().find("may not publish on 'plant/secret': denied by mqtt_broker.authorizations[0].deny[0]"),
            std::string::npos) << hub->log();
  EXPECT_EQ(hub->metric("outpost_mqtt_refused_total", "operation=\"publish\",reason=\"policy\""), 2);
  EXPECT_EQ(hub->metric("outpost_mqtt_refused_total", "operation=\"subscribe\",reason=\"policy\""), 1);
  // MQTT 5 clients are told why: 0x87 Not authorized in the PUBACK and in the SUBACK.
  const auto v5_pub = pub(*hub, "plant/secret", "leak", {"-V", "mqttv5", "-d"});
  EXPECT_NE(v5_pub.output.find("RC:135"), std::string::npos) << v5_pub.output;
  argv.insert(argv.end(), {"-V", "mqttv5"});
  const auto v5_denied = run_command(argv, 10s);
  EXPECT_NE(v5_denied.output.find("Subscribed (mid: 1): 135"), std::string::npos) << v5_denied.output;
}

}  // namespace
}  // namespace outpost::testing

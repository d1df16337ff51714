// outpost-hub's MQTT bridges (mqtt_broker.bridges; src/hub/mqtt_bridge.cpp) against a real
// second broker, Debian's mosquitto, started by the test: local plain topics go out under the
// remote prefix, remote topics come in under the local one, and what the hub acknowledged
// while mosquitto was down (stopped and started again, with its own persistence) arrives
// there after all, in order — even though the hub was killed (-9) in between. And a $upstream
// bridge: a child hub whose upstream is a parent hub carries plain topics both ways over its
// own link, nothing acknowledged lost while the parent is away and the child is killed.
#include <signal.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "hub/hub_process.h"
#include "support/mqtt_test_client.h"
#include "support/process.h"
#include "support/test_certificates.h"

namespace outpost::testing {
namespace {

using namespace std::chrono_literals;

// mosquitto on a fixed loopback port (kept across restarts), persistent to its folder.
class Mosquitto {
 public:
  explicit Mosquitto(const std::string& dir) : dir_(dir), port_(free_port()) {
    // mosquitto started as root runs as the user 'mosquitto': it must be able to save there.
    std::filesystem::permissions(dir_, std::filesystem::perms::all);
    write_file(dir_ + "/mosquitto.conf", "listener " + std::to_string(port_) +
                                             " 127.0.0.1\nallow_anonymous true\npersistence true\n"
                                             "persistence_location " + dir_ + "/\n");
  }
  void start() {
    process_ = std::make_unique<Process>(std::vector<std::string>{"mosquitto", "-c", dir_ + "/mosquitto.conf"},
                                         dir_ + "/mosquitto.log");
    ASSERT_TRUE(wait_until([&] { return MqttTestClient().connect_tcp("127.0.0.1", port_); }, 10s)) << log();
  }
  void stop() {  // SIGTERM: mosquitto saves its sessions and queued messages
    process_->signal(SIGTERM);
    ASSERT_TRUE(process_->wait(10s).has_value()) << log();
  }
  std::uint16_t port() const { return port_; }
  std::string log() const { return read_file(dir_ + "/mosquitto.log"); }
  std::vector<std::string> client(const std::string& tool) const {
    return {tool, "-h", "127.0.0.1", "-p", std::to_string(port_), "-V", "mqttv311"};
  }

 private:
  std::string dir_;
  std::uint16_t port_;
  std::unique_ptr<Process> process_;
};

std::vector<std::string> hub_client(const std::string& tool, HubProcess& hub) {
  return {tool, "-h", "127.0.0.1", "-p", std::to_string(hub.mqtt_port()), "-V", "mqttv311"};
}

// Lines "{prefix}{i} {i}" for i in [from, to], in this order, somewhere in `output`.
void expect_in_order(const std::string& output, const std::string& prefix, int from, int to) {
  std::size_t at = 0;
  for (int i = from; i <= to; ++i) {
    const auto line = prefix + std::to_string(i) + " " + std::to_string(i);
    const auto found = output.find(line, at);
    ASSERT_NE(found, std::string::npos) << "missing or out of order: " << line << "\n" << output;
    at = found + line.size();
  }
}

CommandResult publish(std::vector<std::string> argv, const std::string& topic, const std::string& message) {
  argv.insert(argv.end(), {"-q", "1", "-t", topic, "-m", message});
  return run_command(argv, 10s);
}

TEST(HubBridge, OutAndInWithPrefixesAndNothingAcknowledgedLostAcrossTheRemoteBrokersRestart) {
  if (!have_program("mosquitto") || !have_program("mosquitto_sub"))
    GTEST_SKIP() << "mosquitto not installed (scripts/install-deps)";
  const auto dir = make_temp_dir("outpost-bridge");
  Mosquitto remote(dir);
  remote.start();
  // The far side's persistent subscriber: made now (-E: exit once subscribed), read at the end.
  auto far = remote.client("mosquitto_sub");
  far.insert(far.end(), {"-i", "far", "-c", "-q", "1", "-t", "site1/#", "-E"});
  ASSERT_EQ(run_command(far, 10s).status, 0);

  const HubIdentity module_a{"edge1", "A", random_key()};
  HubProcess hub({module_a}, nlohmann::json::object(),
                 "mqtt_broker:\n  allow_anonymous: [mqtt]\n  bridges:\n"
                 "    - endpoint: \"mqtt://127.0.0.1:" + std::to_string(remote.port()) + "\"\n"
                 "      client_id: edge1-bridge\n"
                 "      settings:\n"
                 "        - { direction: out, topic: \"#\", inPrefix: \"local/\", outPrefix: \"site1/\" }\n"
                 "        - { direction: in, topic: \"cmd/#\", inPrefix: \"remote/\" }\n");
  hub.start();
  ASSERT_TRUE(wait_until([&] { return hub.log().find("bridge to mqtt://") != std::string::npos; }, 15s)) << hub.log();

  // In: a remote publish on cmd/... reaches a local subscriber as remote/cmd/...
  auto local_sub = hub_client("mosquitto_sub", hub);
  local_sub.insert(local_sub.end(), {"-i", "near", "-q", "1", "-t", "remote/#", "-v", "-C", "1", "-W", "15"});
  Process near(local_sub, hub.dir() + "/near.log");
  ASSERT_TRUE(wait_until([&] { return hub.log().find("'near' subscribed to 'remote/#'") != std::string::npos; }, 10s))
      << hub.log();
  ASSERT_EQ(publish(remote.client("mosquitto_pub"), "cmd/restart", "now").status, 0);
  ASSERT_EQ(near.wait(15s), 0) << near.log() << hub.log();
  EXPECT_NE(near.log().find("remote/cmd/restart now"), std::string::npos) << near.log();

  // Out: five while the remote broker runs, five while it is down (the hub acknowledges and
  // keeps them), and one that no out setting takes.
  for (int i = 1; i <= 5; ++i)
    ASSERT_EQ(publish(hub_client("mosquitto_pub", hub), "local/line/" + std::to_string(i), std::to_string(i)).status, 0);
  ASSERT_EQ(publish(hub_client("mosquitto_pub", hub), "elsewhere/x", "not bridged").status, 0);
  // An IoT Hub module on a plain topic crosses the bridge too.
  auto as_module = hub_client("mosquitto_pub", hub);
  as_module.insert(as_module.end(), {"-i", module_a.id(), "-u", hub.username(module_a), "-P", hub.password(module_a)});
  ASSERT_EQ(publish(as_module, "local/module/a", "from module A").status, 0) << hub.log();
  remote.stop();
  for (int i = 6; i <= 10; ++i)
    ASSERT_EQ(publish(hub_client("mosquitto_pub", hub), "local/line/" + std::to_string(i), std::to_string(i)).status, 0)
        << "acknowledged by the hub while the remote broker is away";
  hub.kill();  // and the hub dies meanwhile: the bridge's queue is on disk
  hub.start();
  remote.start();
  auto collect = remote.client("mosquitto_sub");
  collect.insert(collect.end(), {"-i", "far", "-c", "-q", "1", "-t", "site1/#", "-v", "-C", "11", "-W", "30"});
  const auto got = run_command(collect, 40s);
  ASSERT_EQ(got.status, 0) << got.output << hub.log() << remote.log();
  expect_in_order(got.output, "site1/line/", 1, 10);  // all ten, in order, under the remote prefix
  EXPECT_EQ(got.output.find("not bridged"), std::string::npos) << got.output;
  EXPECT_NE(got.output.find("site1/module/a from module A"), std::string::npos) << got.output;
}

TEST(HubBridge, UpstreamBridgeCarriesPlainTopicsToAndFromTheParentHubOverTheChildsOwnLink) {
  if (!have_program("mosquitto_sub")) GTEST_SKIP() << "mosquitto-clients not installed (scripts/install-deps)";
  const HubIdentity child_edgehub{"edge2", "$edgeHub", random_key()};
  const auto parent_mqtts = free_port();
  HubProcess parent({child_edgehub}, nlohmann::json::object(),
                    "tls: { cert: server.pem, key: server.key }\nmqtt_broker:\n  allow_anonymous: [mqtt]\n");
  const auto server = write_self_signed_certificate(parent.dir(), "server");
  parent.add_listener("mqtts", "127.0.0.1:" + std::to_string(parent_mqtts));
  parent.start();
  // The parent's persistent subscribers to what the child sends up: made now, read later.
  for (const char* id : {"far", "early"}) {
    auto argv = hub_client("mosquitto_sub", parent);
    argv.insert(argv.end(), {"-i", id, "-c", "-q", "1", "-t", "child/#", "-E"});
    ASSERT_EQ(run_command(argv, 10s).status, 0) << parent.log();
  }

  HubProcess child({}, nlohmann::json::object(),
                   "upstream:\n  connection_string: \"HostName=" + std::string(HubProcess::kHostname) +
                       ";DeviceId=edge2;ModuleId=$edgeHub;SharedAccessKey=" + child_edgehub.key + "\"\n"
                       "  mqtt: \"127.0.0.1:" + std::to_string(parent_mqtts) + "\"\n"
                       "  ca: \"" + server.cert_file + "\"\n"
                       "mqtt_broker:\n  allow_anonymous: [mqtt]\n  bridges:\n"
                       "    - endpoint: \"$upstream\"\n"
                       "      settings:\n"
                       "        - { direction: out, topic: \"t/#\", outPrefix: \"child/\" }\n"
                       "        - { direction: in, topic: \"cmd/#\", outPrefix: \"down/\" }\n");
  child.set_device_id("edge2");
  child.start();
  ASSERT_TRUE(wait_until([&] { return child.log().find("upstream: online") != std::string::npos; }, 15s))
      << child.log() << parent.log();

  // In: the parent's down/cmd/... reaches the child's subscriber as cmd/...
  auto local_sub = hub_client("mosquitto_sub", child);
  local_sub.insert(local_sub.end(), {"-i", "near", "-q", "1", "-t", "cmd/#", "-v", "-C", "1", "-W", "15"});
  Process near(local_sub, child.dir() + "/near.log");
  ASSERT_TRUE(wait_until([&] { return child.log().find("'near' subscribed to 'cmd/#'") != std::string::npos; }, 10s))
      << child.log();
  ASSERT_TRUE(wait_until([&] { return parent.log().find("'edge2/$edgeHub' subscribed to 'down/cmd/#'") != std::string::npos; },
                         10s))
      << parent.log();
  ASSERT_EQ(publish(hub_client("mosquitto_pub", parent), "down/cmd/restart", "now").status, 0);
  ASSERT_EQ(near.wait(15s), 0) << near.log() << child.log();
  EXPECT_NE(near.log().find("cmd/restart now"), std::string::npos) << near.log();

  // Out: three while the parent runs, three while it is down (the child acknowledges them and
  // keeps them on disk), one that no out setting takes.
  for (int i = 1; i <= 3; ++i)
    ASSERT_EQ(publish(hub_client("mosquitto_pub", child), "t/" + std::to_string(i), std::to_string(i)).status, 0);
  ASSERT_EQ(publish(hub_client("mosquitto_pub", child), "elsewhere/x", "not bridged").status, 0);
  const auto collect = [&](const std::string& client_id, int count) {
    auto argv = hub_client("mosquitto_sub", parent);
    argv.insert(argv.end(), {"-i", client_id, "-c", "-q", "1", "-t", "child/#", "-v", "-C", std::to_string(count), "-W", "30"});
    return run_command(argv, 40s);
  };
  // Another persistent subscriber sees 1-3 arrive ("far" keeps them for the end).
  const auto first = collect("early", 3);
  ASSERT_EQ(first.status, 0) << first.output << child.log() << parent.log();
  expect_in_order(first.output, "child/t/", 1, 3);
  // Stopped, not killed: a killed parent may send 1-3 again (at least once), which is its
  // business; this is about the child keeping what it acknowledged.
  parent.stop();
  for (int i = 4; i <= 6; ++i)
    ASSERT_EQ(publish(hub_client("mosquitto_pub", child), "t/" + std::to_string(i), std::to_string(i)).status, 0)
        << "acknowledged by the child while its parent is away";
  child.kill();  // and the child dies meanwhile: the bridge's queue is on disk
  child.start();
  parent.start();
  const auto got = collect("far", 6);
  ASSERT_EQ(got.status, 0) << got.output << child.log() << parent.log();
  expect_in_order(got.output, "child/t/", 1, 6);  // under the parent's prefix
  EXPECT_EQ((first.output + got.output).find("not bridged"), std::string::npos) << got.output;
}

}  // namespace
}  // namespace outpost::testing

// Crash test: QoS 1 publishers under load while outpost-hub is SIGKILLed at random moments
// and restarted, module to module (over MQTT and over AMQP) and on plain MQTT topics (a
// persistent session). Every message the hub acknowledged must reach the subscriber. The publisher
// (outpost-load) resends what was in flight when a connection died, so the run ends with
// every message acknowledged; duplicates are allowed (at-least-once), losses are not.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "hub/hub_process.h"
#include "support/mqtt_test_client.h"
#include "support/process.h"

namespace outpost::testing {
namespace {

using namespace std::chrono_literals;

std::set<std::uint64_t> read_seqs(const std::string& file, std::size_t* lines = nullptr) {
  std::set<std::uint64_t> seqs;
  std::ifstream in(file);
  std::uint64_t seq;
  std::size_t n = 0;
  while (in >> seq) {
    seqs.insert(seq);
    ++n;
  }
  if (lines) *lines = n;
  return seqs;
}

// Who publishes and who receives, as outpost-load options, and the hub they meet on.
struct CrashSetup {
  std::vector<std::string> publisher;
  std::vector<std::string> subscriber;  // with a persistent session (clean 0)
  std::string subscribed_log;  // what the hub logs once the subscriber's session is ready to receive
};

void run_crash_test(HubProcess& hub, std::uint16_t port, const CrashSetup& setup) {
  constexpr int kMessages = 30000;  // at 5,000 msg/s: about 6 s of load
  constexpr int kKills = 5;
  hub.start();
  const auto acked_log = hub.dir() + "/acked.log";
  const auto received_log = hub.dir() + "/received.log";
  const std::vector<std::string> common{"--port", std::to_string(port), "--iothub-host", HubProcess::kHostname,
                                        "--count", std::to_string(kMessages), "--reconnect", "1", "--timeout", "240"};
  auto args = [&](std::vector<std::string> mode, const std::vector<std::string>& extra) {
    mode.insert(mode.end(), common.begin(), common.end());
    mode.insert(mode.end(), extra.begin(), extra.end());
    return mode;
  };
  auto sub_extra = setup.subscriber;
  sub_extra.insert(sub_extra.end(), {"--sub-clean", "0", "--received-log", received_log});
  Process subscriber(args({built_binary("outpost-load"), "subscribe"}, sub_extra), hub.dir() + "/subscriber.log");
  if (!setup.subscribed_log.empty())
    ASSERT_TRUE(wait_until([&] { return hub.log().find(setup.subscribed_log) != std::string::npos; }, 20s))
        << subscriber.log() << hub.log();
  auto pub_extra = setup.publisher;
  pub_extra.insert(pub_extra.end(), {"--window", "50", "--rate", "5000", "--acked-log", acked_log});
  Process publisher(args({built_binary("outpost-load"), "publish"}, pub_extra), hub.dir() + "/publisher.log");
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> pause_ms(150, 900);
  int kills = 0;
  for (; kills < kKills && publisher.running(); ++kills) {
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));  // a random moment, not a wait for a condition
    std::size_t acked_before = 0;
    read_seqs(acked_log, &acked_before);
    hub.kill();
    hub.start();
    std::fprintf(stderr, "kill -9 #%d after %zu acknowledged\n", kills + 1, acked_before);
  }
  const auto pub_status = publisher.wait(180s);
  ASSERT_TRUE(pub_status.has_value()) << "publisher did not finish:\n" << publisher.log() << hub.log();
  ASSERT_EQ(*pub_status, 0) << publisher.log();
  const auto sub_status = subscriber.wait(120s);
  ASSERT_TRUE(sub_status.has_value()) << "subscriber did not receive everything:\n" << subscriber.log();
  std::size_t acked_lines = 0, received_lines = 0;
  const auto acked = read_seqs(acked_log, &acked_lines);
  const auto received = read_seqs(received_log, &received_lines);
  std::vector<std::uint64_t> lost;
  for (const auto seq : acked)
    if (!received.count(seq)) lost.push_back(seq);
  std::fprintf(stderr,
               "crash test: %d kills, %zu messages acknowledged, %zu received (unique), %zu lost; publisher log:\n%s",
               kills, acked.size(), received.size(), lost.size(), publisher.log().c_str());
  EXPECT_EQ(kills, kKills) << "the load ended before every kill happened";
  EXPECT_EQ(acked.size(), static_cast<std::size_t>(kMessages));
  EXPECT_TRUE(lost.empty()) << lost.size() << " acknowledged messages were lost, first " << lost.front();
  EXPECT_EQ(received.size(), static_cast<std::size_t>(kMessages));
  EXPECT_EQ(*sub_status, 0) << subscriber.log();
}

TEST(HubCrash, NoAcknowledgedMessageIsLostAcrossKill9) {
  const HubIdentity a{"edge1", "A", random_key()};
  const HubIdentity b{"edge1", "B", random_key()};
  const auto port = free_port();
  HubProcess hub({a, b}, {{"AtoB", "FROM /messages/modules/A/* INTO BrokeredEndpoint(\"/modules/B/inputs/in1\")"}}, "",
                 7200, port);
  run_crash_test(hub, port, {{"--pub-identity", a.id(), "--pub-key", a.key},
                             {"--sub-identity", b.id(), "--sub-key", b.key}});
}

// The same over AMQP: both modules on the hub's amqp listener (its own port, kept across
// restarts); a message the hub accepted (settled) must reach module B.
TEST(HubCrash, NoSettledAmqpMessageIsLostAcrossKill9) {
  const HubIdentity a{"edge1", "A", random_key()};
  const HubIdentity b{"edge1", "B", random_key()};
  const auto amqp_port = free_port();
  HubProcess hub({a, b}, {{"AtoB", "FROM /messages/modules/A/* INTO BrokeredEndpoint(\"/modules/B/inputs/in1\")"}});
  hub.add_listener("amqp", "127.0.0.1:" + std::to_string(amqp_port));
  run_crash_test(hub, amqp_port, {{"--protocol", "amqp", "--pub-identity", a.id(), "--pub-key", a.key},
                                  {"--protocol", "amqp", "--sub-identity", b.id(), "--sub-key", b.key}});
}

// The same on plain MQTT topics: the subscriber's persistent session (its subscription and
// the QoS 1 messages queued for it) must survive each kill.
TEST(HubCrash, NoAcknowledgedPlainMqttMessageIsLostAcrossKill9) {
  const auto port = free_port();
  HubProcess hub({}, nlohmann::json::object(), "mqtt_broker:\n  allow_anonymous: [mqtt]\n", 7200, port);
  run_crash_test(hub, port, {{"--pub-client-id", "crash-pub", "--pub-topic", "plant/line1/counter"},
                             {"--sub-client-id", "crash-sub", "--sub-filter", "plant/+/counter"},
                             "'crash-sub' subscribed to 'plant/+/counter'"});
}

}  // namespace
}  // namespace outpost::testing

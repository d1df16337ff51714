// The multiplexed cloud client against our own AMQP server (a recording handler behind it):
// many identities on one connection, each a channel speaking IoT Hub's MQTT topics; telemetry
// done only once the far side settled it; twin and method round trips; the connection comes
// back after the server does.
#include "outpost/amqp/cloud_client.h"

#include <algorithm>
#include <cctype>
#include <future>
#include <list>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "outpost/amqp/server.h"
#include "outpost/core/sas_token.h"
#include "support/mqtt_test_client.h"
#include "support/on_loop.h"

namespace outpost::amqp {
namespace {

using outpost::testing::wait_until;
using namespace std::chrono_literals;

constexpr const char* kHost = "myhub.local";

// Accepts SAS-shaped tokens; remembers what it was asked and answers twin GETs as a hub does.
class CloudSide : public mqtt::Handler {
 public:
  mqtt::ConnectDecision on_connect(const mqtt::ConnectionPtr& c, const mqtt::ConnectPacket& p) override {
    std::lock_guard lock(mutex);
    connects.push_back(p);
    connections[p.client_id] = c;
    return {mqtt::ConnectReturnCode::accepted};
  }
  void on_publish(const mqtt::ConnectionPtr& c, mqtt::PublishPacket&& p, mqtt::PublishTicket t) override {
    std::lock_guard lock(mutex);
    publishes.emplace_back(c->client_id(), p.topic);
    if (p.topic.rfind("$iothub/twin/GET/", 0) == 0)
      c->publish("$iothub/twin/res/200/?$rid=" + p.topic.substr(p.topic.find("$rid=") + 5), R"({"desired":{"$version":3}})", 0);
    if (hold) held.emplace_back(c, t);
    else c->complete_publish(t);
  }
  std::vector<std::uint8_t> on_subscribe(const mqtt::ConnectionPtr& c, const std::vector<mqtt::Subscription>& subs) override {
    std::lock_guard lock(mutex);
    for (const auto& s : subs) subscribed.emplace_back(c->client_id(), s.filter);
    return std::vector<std::uint8_t>(subs.size(), 1);
  }
  void on_unsubscribe(const mqtt::ConnectionPtr&, const std::vector<std::string>&) override {}
  void on_delivered(const mqtt::ConnectionPtr&, std::uint64_t) override {}
  void on_close(const mqtt::ConnectionPtr& c, mqtt::CloseReason) override {
    std::lock_guard lock(mutex);
    closed.push_back(c->client_id());
  }

  std::mutex mutex;
  std::vector<mqtt::ConnectPacket> connects;
  std::map<std::string, mqtt::ConnectionPtr> connections;
  std::vector<std::pair<std::string, std::string>> publishes;  // client id, topic
  std::vector<std::pair<std::string, std::string>> subscribed;
  std::vector<std::string> closed;
  bool hold = false;
  std::vector<std::pair<mqtt::ConnectionPtr, mqtt::PublishTicket>> held;
};

// What a channel saw, from the loop thread.
struct Seen {
  std::mutex mutex;
  int connected = 0;
  int lost = 0;
  std::vector<std::string> topics;
  std::vector<std::string> payloads;
  int done_ok = 0;
  int done_failed = 0;
};

std::string token_for(const std::string& resource) {
  const auto expiry = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count() + 3600;
  return build_sas_token(resource, "c2VjcmV0LWtleS1mb3ItdGVzdHMtMDAwMDAwMDAwMDA=", expiry).value();
}

class CloudClientTest : public ::testing::Test {
 protected:
  template <typename F>
  auto on_loop(F f) {
    return outpost::testing::on_loop(loop, std::move(f));
  }
  void SetUp() override {
    start_server(0);
    thread = std::thread([this] { loop.run(); });
  }
  void TearDown() override {
    on_loop([this] {
      channels.clear();
      client.reset();
      server->stop();
      return 0;
    });
    loop.stop();
    thread.join();
    std::lock_guard lock(cloud.mutex);
    cloud.connections.clear();
    cloud.held.clear();
  }
  void start_server(std::uint16_t at, ServerOptions options = {}) {
    server = std::make_unique<Server>(loop, cloud, std::move(options));
    auto bound = server->listen_tcp("127.0.0.1:" + std::to_string(at));
    ASSERT_TRUE(bound) << bound.error();
    port = *bound;
  }
  // A channel on the loop, recording into `seen`.
  CloudChannel& open_channel(iothub::Identity identity, std::optional<std::string> chain, Seen& seen,
                             std::vector<std::string> filters) {
    return *on_loop([&] {
      if (!client) client = std::make_unique<CloudClient>(loop, CloudClientSettings{"127.0.0.1:" + std::to_string(port), kHost, "", false});
      CloudChannel::Callbacks callbacks;
      callbacks.on_connected = [&seen] { std::lock_guard l(seen.mutex); ++seen.connected; };
      callbacks.on_lost = [&seen](const std::string&) { std::lock_guard l(seen.mutex); ++seen.lost; };
      callbacks.on_message = [&seen](const std::string& topic, std::string payload) {
        std::lock_guard l(seen.mutex);
        seen.topics.push_back(topic);
        seen.payloads.push_back(std::move(payload));
      };
      const auto edge_token = token_for(std::string(kHost) + "/devices/edge1/modules/$edgeHub");
      channels.push_back(client->channel(std::move(identity), std::move(chain), [edge_token] { return edge_token; }, callbacks));
      for (const auto& f : filters) channels.back()->subscribe(f);
      channels.back()->start();
      return channels.back().get();
    });
  }
  void publish(CloudChannel& channel, const std::string& topic, const std::string& payload, Seen& seen) {
    on_loop([&] {
      channel.publish(topic, payload, 1, [&seen](bool ok) {
        std::lock_guard l(seen.mutex);
        ++(ok ? seen.done_ok : seen.done_failed);
      });
      return 0;
    });
  }
  bool seen_topic(Seen& seen, const std::string& prefix) {
    return wait_until([&] {
      std::lock_guard l(seen.mutex);
      for (const auto& t : seen.topics)
        if (t.rfind(prefix, 0) == 0) return true;
      return false;
    });
  }

  // The edge's own channel and modules M0.. acting through its token (child i's channel is
  // channels[i + 1]); what they see is kept until TearDown, as they may call back until then.
  struct Gateway {
    Seen* edge = nullptr;
    std::vector<Seen*> children;
  };
  Gateway open_gateway(int children, const std::vector<std::string>& filters) {
    Gateway gateway{&kept_seen.emplace_back(), {}};
    open_channel({"edge1", "$edgeHub"}, std::nullopt, *gateway.edge, {});
    for (int i = 0; i < children; ++i) {
      gateway.children.push_back(&kept_seen.emplace_back());
      const auto id = "M" + std::to_string(i);
      open_channel({"edge1", id}, "edge1/" + id + ";edge1", *gateway.children.back(), filters);
    }
    return gateway;
  }
  void publish_from_children(const Gateway& gateway) {
    for (std::size_t i = 0; i < gateway.children.size(); ++i)
      publish(*channels[i + 1], "devices/edge1/modules/M" + std::to_string(i) + "/messages/events/", "r",
              *gateway.children[i]);
  }
  static bool each_within(const std::vector<Seen*>& all, const std::function<bool(const Seen&)>& holds,
                          std::chrono::milliseconds timeout = 5s) {
    return wait_until([&] {
      for (auto* seen : all) {
        std::lock_guard l(seen->mutex);
        if (!holds(*seen)) return false;
      }
      return true;
    }, timeout);
  }

  net::EventLoop loop;
  CloudSide cloud;
  std::unique_ptr<Server> server;
  std::uint16_t port = 0;
  std::thread thread;
  std::unique_ptr<CloudClient> client;
  std::vector<std::unique_ptr<CloudChannel>> channels;
  // What channels record into when they outlive the test body (a channel still retrying calls
  // back until TearDown closes it).
  std::list<Seen> kept_seen;
};

TEST_F(CloudClientTest, ManyIdentitiesShareOneConnectionWithTheEdgesToken) {
  Seen hub, leaf, module;
  open_channel({"edge1", "$edgeHub"}, std::nullopt, hub, {});
  open_channel({"leaf1", std::nullopt}, "leaf1;edge1", leaf, {});
  open_channel({"edge1", "A"}, "edge1/A;edge1", module, {});
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard a(hub.mutex), b(leaf.mutex), c(module.mutex);
    return hub.connected == 1 && leaf.connected == 1 && module.connected == 1;
  }));
  // A channel is connected once its token is accepted; the cloud admits an identity acting
  // through the edge's token when its first link attaches, a moment later.
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard l(cloud.mutex);
    return cloud.connects.size() == 3;
  })) << "the cloud did not admit all 3 identities";
  EXPECT_EQ(on_loop([&] { return server->connection_count(); }), 1u);
  std::lock_guard lock(cloud.mutex);
  for (const auto& connect : cloud.connects) {
    auto password = connect.password.value_or("");
    std::transform(password.begin(), password.end(), password.begin(), [](unsigned char c) { return std::tolower(c); });
    EXPECT_EQ(password.rfind("sharedaccesssignature sr=myhub.local%2fdevices%2fedge1%2fmodules%2f%24edgehub", 0), 0u)
        << connect.client_id << ": every identity uses the edge's token: " << password;
    if (connect.client_id == "leaf1") {
      EXPECT_NE(connect.username.value_or("").find("auth-chain=leaf1%3Bedge1"), std::string::npos) << *connect.username;
    }
  }
}

// A gateway's worth: each child has a session and five links (telemetry, twin, methods) on
// the edge's one connection, opened together as soon as the edge's token is accepted.
TEST_F(CloudClientTest, TwoHundredChildrenWithTwinAndMethodsShareOneConnection) {
  constexpr int kChildren = 200;
  const auto gateway = open_gateway(kChildren, {"$iothub/twin/res/#", "$iothub/methods/POST/#"});
  const auto& children = gateway.children;
  ASSERT_TRUE(each_within(children, [](const Seen& s) { return s.connected == 1; }, 20s))
      << "not every child's token was accepted";
  publish_from_children(gateway);
  ASSERT_TRUE(each_within(children, [](const Seen& s) { return s.done_ok + s.done_failed > 0; }, 20s))
      << "not every child's telemetry was settled";
  int accepted = 0;
  for (auto* seen : children) {
    std::lock_guard l(seen->mutex);
    accepted += seen->done_ok;
  }
  EXPECT_EQ(accepted, kChildren) << "telemetry the cloud refused";
  EXPECT_EQ(on_loop([&] { return server->connection_count(); }), 1u);
  std::lock_guard l(cloud.mutex);
  EXPECT_EQ(cloud.connects.size(), kChildren + 1u);
  EXPECT_EQ(std::count_if(cloud.subscribed.begin(), cloud.subscribed.end(),
                          [](const auto& s) { return s.second == "$iothub/methods/POST/#"; }),
            kChildren) << "every child's methods link";
}

// A cloud that refuses sessions (here: more children than it lets one connection hold) ends
// them with no event for their links: what a child had in flight is failed, to be sent again,
// rather than waiting for ever.
TEST_F(CloudClientTest, WhatWasInFlightOnARefusedSessionIsFailed) {
  on_loop([&] {
    server->stop();
    ServerOptions small;
    small.max_identities_per_connection = 1;  // the edge; 4 spare sessions; children refused
    start_server(0, std::move(small));
    return 0;
  });
  const auto gateway = open_gateway(6, {});
  const auto& children = gateway.children;
  ASSERT_TRUE(each_within(children, [](const Seen& s) { return s.connected > 0; }))
      << "every child's token is accepted (the edge's)";
  publish_from_children(gateway);
  EXPECT_TRUE(each_within(children, [](const Seen& s) { return s.done_failed > 0; }))
      << "a refused child's telemetry waited for ever";
  for (auto& seen : children) {
    std::lock_guard l(seen->mutex);
    EXPECT_EQ(seen->done_ok, 0);
  }
  EXPECT_TRUE(wait_until([&] {
    std::lock_guard l(children.back()->mutex);
    return children.back()->connected >= 2;
  })) << "a refused child tries again, a moment later";
  std::lock_guard l(gateway.edge->mutex);
  EXPECT_EQ(gateway.edge->lost, 0) << "a child's refusal took the edge's own connection down";
}

TEST_F(CloudClientTest, TelemetryIsDoneOnlyWhenTheCloudSettledIt) {
  cloud.hold = true;
  Seen leaf;
  auto& channel = open_channel({"leaf1", std::nullopt}, "leaf1;edge1", leaf, {});
  ASSERT_TRUE(wait_until([&] { std::lock_guard l(leaf.mutex); return leaf.connected == 1; }));
  publish(channel, "devices/leaf1/messages/events/%24.mid=m1&k=v", "reading", leaf);
  ASSERT_TRUE(wait_until([&] { std::lock_guard l(cloud.mutex); return cloud.held.size() == 1; }));
  {
    std::lock_guard l(cloud.mutex);
    EXPECT_EQ(cloud.publishes.back().first, "leaf1");
    const auto& topic = cloud.publishes.back().second;
    EXPECT_NE(topic.find("%24.mid=m1"), std::string::npos) << topic;
    EXPECT_NE(topic.find("k=v"), std::string::npos) << topic;
  }
  {
    std::lock_guard l(leaf.mutex);
    EXPECT_EQ(leaf.done_ok, 0);  // the cloud has not made it durable yet
  }
  on_loop([&] {
    std::lock_guard l(cloud.mutex);
    cloud.held[0].first->complete_publish(cloud.held[0].second);
    return 0;
  });
  EXPECT_TRUE(wait_until([&] { std::lock_guard l(leaf.mutex); return leaf.done_ok == 1; }));
}

TEST_F(CloudClientTest, TwinAndMethodsRoundTrip) {
  Seen module;
  auto& channel = open_channel({"edge1", "A"}, "edge1/A;edge1", module,
                               {"$iothub/twin/res/#", "$iothub/twin/PATCH/properties/desired/#", "$iothub/methods/POST/#"});
  ASSERT_TRUE(wait_until([&] { std::lock_guard l(module.mutex); return module.connected == 1; }));
  publish(channel, "$iothub/twin/GET/?$rid=7", "", module);
  ASSERT_TRUE(seen_topic(module, "$iothub/twin/res/200/?$rid=7"));
  // The cloud calls a method and sends a desired patch; the channel hands them over as topics.
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard l(cloud.mutex);
    int wanted = 0;
    for (const auto& [who, filter] : cloud.subscribed)
      if (who == "edge1/A" && (filter == "$iothub/methods/POST/#" || filter == "$iothub/twin/PATCH/properties/desired/#")) ++wanted;
    return wanted == 2;
  }));
  on_loop([&] {
    std::lock_guard l(cloud.mutex);
    cloud.connections["edge1/A"]->publish("$iothub/methods/POST/reboot/?$rid=ab12", R"({"delay":1})", 0);
    cloud.connections["edge1/A"]->publish("$iothub/twin/PATCH/properties/desired/?$version=9", R"({"x":1,"$version":9})", 0);
    return 0;
  });
  ASSERT_TRUE(seen_topic(module, "$iothub/methods/POST/reboot/?$rid=ab12"));
  ASSERT_TRUE(seen_topic(module, "$iothub/twin/PATCH/properties/desired/?$version=9"));
  publish(channel, "$iothub/methods/res/200/?$rid=ab12", R"({"ok":true})", module);
  EXPECT_TRUE(wait_until([&] {
    std::lock_guard l(cloud.mutex);
    for (const auto& [who, topic] : cloud.publishes)
      if (who == "edge1/A" && topic == "$iothub/methods/res/200/?$rid=ab12") return true;
    return false;
  }));
}

TEST_F(CloudClientTest, ComesBackAfterTheCloudDoes) {
  Seen hub;
  open_channel({"edge1", "$edgeHub"}, std::nullopt, hub, {});
  ASSERT_TRUE(wait_until([&] { std::lock_guard l(hub.mutex); return hub.connected == 1; }));
  const auto at = port;
  on_loop([&] {
    server->stop();
    return 0;
  });
  ASSERT_TRUE(wait_until([&] { std::lock_guard l(hub.mutex); return hub.lost == 1; }));
  on_loop([&] {
    start_server(at);
    return 0;
  });
  EXPECT_TRUE(wait_until([&] { std::lock_guard l(hub.mutex); return hub.connected == 2; }, 10s))
      << "reconnected within the first backoff steps";
}

}  // namespace
}  // namespace outpost::amqp

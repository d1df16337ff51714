// The AMQP server against a real Proton client: CBS, links turned into handler calls and
// back, settlement only once the handler completes, refusals, and bad input. The handler is
// a recording stub, as in tests/mqtt/server_test.cpp.
#include "outpost/amqp/server.h"

#include <future>
#include <optional>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <proton/annotation_key.hpp>
#include <proton/binary.hpp>
#include <proton/message.hpp>
#include <proton/message_id.hpp>
#include <proton/transport.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "amqp_test_client.h"
#include "support/mqtt_test_client.h"
#include "support/on_loop.h"

namespace outpost::amqp {
namespace {

using outpost::testing::AmqpTestClient;
using outpost::testing::wait_until;
using namespace std::chrono_literals;

constexpr const char* kEvents = "/devices/edge1/modules/m1/messages/events";

class RecordingHandler : public mqtt::Handler {
 public:
  mqtt::ConnectDecision on_connect(const mqtt::ConnectionPtr& c, const mqtt::ConnectPacket& p) override {
    std::lock_guard lock(mutex);
    connects.push_back(p);
    if (p.password != std::optional<std::string>("good-token")) return {mqtt::ConnectReturnCode::not_authorized};
    last = c;
    return {mqtt::ConnectReturnCode::accepted};
  }
  void on_publish(const mqtt::ConnectionPtr& c, mqtt::PublishPacket&& p, mqtt::PublishTicket t) override {
    std::lock_guard lock(mutex);
    publishes.push_back(p);
    tickets.push_back(t);
    if (p.topic.rfind("$iothub/twin/GET/", 0) == 0)  // answers as the hub does
      c->publish("$iothub/twin/res/200/?$rid=" + p.topic.substr(p.topic.find("$rid=") + 5), R"({"desired":{}})", 0);
    if (refusal && p.payload.starts_with("refuse")) c->refuse_publish(t, *refusal, "refused by the test");
    else if (auto_complete) c->complete_publish(t, refuse_code);
  }
  std::vector<std::uint8_t> on_subscribe(const mqtt::ConnectionPtr&, const std::vector<mqtt::Subscription>& subs) override {
    std::lock_guard lock(mutex);
    std::vector<std::uint8_t> codes;
    for (const auto& s : subs) {
      subscribed.push_back(s.filter);
      codes.push_back(s.filter.find("forbidden") != std::string::npos ? mqtt::kSubackFailure : 1);
    }
    return codes;
  }
  void on_unsubscribe(const mqtt::ConnectionPtr&, const std::vector<std::string>& f) override {
    std::lock_guard lock(mutex);
    unsubscribed.insert(unsubscribed.end(), f.begin(), f.end());
  }
  void on_delivered(const mqtt::ConnectionPtr&, std::uint64_t tag) override {
    std::lock_guard lock(mutex);
    delivered.push_back(tag);
  }
  void on_close(const mqtt::ConnectionPtr&, mqtt::CloseReason reason) override {
    std::lock_guard lock(mutex);
    closes.push_back(reason);
  }

  std::mutex mutex;
  std::vector<mqtt::ConnectPacket> connects;
  std::vector<mqtt::PublishPacket> publishes;
  std::vector<mqtt::PublishTicket> tickets;
  std::vector<std::string> subscribed;
  std::vector<std::string> unsubscribed;
  std::vector<std::uint64_t> delivered;
  std::vector<mqtt::CloseReason> closes;
  mqtt::ConnectionPtr last;
  bool auto_complete = true;
  std::uint8_t refuse_code = 0;
  std::optional<mqtt::PublishRefusal> refusal;  // for payloads starting "refuse"
};

class AmqpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.authenticate_timeout = 2s;
    options.on_refused = [this](const char* reason) {
      std::lock_guard lock(handler.mutex);
      refused.emplace_back(reason);
    };
    server = std::make_unique<Server>(loop, handler, options);
    auto bound = server->listen_tcp("127.0.0.1:0");
    ASSERT_TRUE(bound) << bound.error();
    port = *bound;
    thread = std::thread([this] { loop.run(); });
  }
  void TearDown() override {
    loop.post([this] { server->stop(); });
    loop.stop();
    thread.join();
    handler.last.reset();
  }
  template <typename F>
  auto on_loop(F f) {
    return outpost::testing::on_loop(loop, std::move(f));
  }
  std::unique_ptr<AmqpTestClient> authenticated(bool sasl = true) {
    auto client = std::make_unique<AmqpTestClient>("127.0.0.1", port, sasl);
    EXPECT_TRUE(client->wait_open());
    EXPECT_EQ(client->put_token("myhub.local/devices/edge1/modules/m1", "good-token"), 200);
    return client;
  }
  template <typename T>
  std::size_t count(const std::vector<T>& v) {
    std::lock_guard lock(handler.mutex);
    return v.size();
  }

  net::EventLoop loop;
  RecordingHandler handler;
  std::vector<std::string> refused;
  std::unique_ptr<Server> server;
  std::uint16_t port = 0;
  std::thread thread;
};

TEST_F(AmqpServerTest, PutTokenConnectsTheIdentityAsAnMqttClientWould) {
  for (const bool sasl : {true, false}) {  // SASL ANONYMOUS, and the SDKs' bare AMQP header
    auto client = authenticated(sasl);
    std::lock_guard lock(handler.mutex);
    ASSERT_FALSE(handler.connects.empty());
    const auto& connect = handler.connects.back();
    EXPECT_EQ(connect.client_id, "edge1/m1");
    EXPECT_EQ(connect.username.value_or(""), "myhub.local/edge1/m1/?api-version=2021-04-12");
    EXPECT_EQ(connect.password.value_or(""), "good-token");
  }
}

TEST_F(AmqpServerTest, SaslPlainProvesTheIdentityAtConnect) {
  AmqpTestClient good("127.0.0.1", port, "edge1/modules/m1@sas.myhub.local", "good-token");
  ASSERT_TRUE(good.wait_open());
  EXPECT_EQ(good.attach_sender(kEvents), "") << "no put-token needed";
  {
    std::lock_guard lock(handler.mutex);
    ASSERT_FALSE(handler.connects.empty());
    EXPECT_EQ(handler.connects.back().client_id, "edge1/m1");
    EXPECT_EQ(handler.connects.back().username.value_or(""), "myhub.local/edge1/m1/?api-version=2021-04-12");
  }
  AmqpTestClient bad("127.0.0.1", port, "edge1/modules/m1@sas.myhub.local", "bad-token");
  ASSERT_TRUE(bad.wait_closed());
  EXPECT_EQ(bad.close_condition(), "amqp:unauthorized-access");
  AmqpTestClient malformed("127.0.0.1", port, "no-at-sign", "good-token");
  ASSERT_TRUE(malformed.wait_closed());
  EXPECT_EQ(malformed.close_condition(), "amqp:unauthorized-access");
}

TEST_F(AmqpServerTest, RefusedTokensAndBadRequestsGetTheirStatus) {
  AmqpTestClient client("127.0.0.1", port);
  ASSERT_TRUE(client.wait_open());
  EXPECT_EQ(client.put_token("myhub.local/devices/edge1/modules/m1", "bad-token"), 401);
  EXPECT_EQ(client.put_token("myhub.local/nothing", "good-token"), 400);
  proton::message no_operation;
  no_operation.body(std::string("token"));
  const auto reply = client.cbs_request(no_operation);
  ASSERT_TRUE(reply);
  EXPECT_EQ(proton::coerce<int>(reply->properties().get("status-code")), 400);
  // Still usable: a good token now works on the same connection.
  EXPECT_EQ(client.put_token("myhub.local/devices/edge1/modules/m1", "good-token"), 200);
}

TEST_F(AmqpServerTest, TelemetryIsSettledOnlyOnceTheHandlerCompletesIt) {
  handler.auto_complete = false;
  auto client = authenticated();
  ASSERT_EQ(client->attach_sender(kEvents), "");
  proton::message m;
  m.id(std::string("mid-1"));
  m.correlation_id(std::string("cid-1"));
  m.content_type("application/json");
  m.properties().put("iothub-outputname", "out1");
  m.properties().put("custom", "a b&c");
  m.body(proton::binary(std::string(R"({"t":1})")));
  m.inferred(true);
  client->send_async(kEvents, m);
  ASSERT_TRUE(wait_until([&] { return count(handler.publishes) == 1; }));
  mqtt::PublishTicket ticket = 0;
  {
    std::lock_guard lock(handler.mutex);
    const auto& p = handler.publishes[0];
    EXPECT_EQ(p.payload, R"({"t":1})");
    EXPECT_EQ(p.qos, 1);
    EXPECT_EQ(p.topic.rfind("devices/edge1/modules/m1/messages/events/", 0), 0u) << p.topic;
    for (const char* part : {"%24.mid=mid-1", "%24.cid=cid-1", "%24.on=out1", "custom=a%20b%26c"})
      EXPECT_NE(p.topic.find(part), std::string::npos) << part << " in " << p.topic;
    ticket = handler.tickets[0];
  }
  // Not settled before the handler says it is safe: one CBS round trip shows nothing came.
  client->cbs_request(proton::message());
  EXPECT_EQ(client->outcome(0), "");
  on_loop([&] {
    handler.last->complete_publish(ticket);
    return 0;
  });
  ASSERT_TRUE(wait_until([&] { return client->outcome(0) == "accepted"; })) << client->outcome(0);
}

TEST_F(AmqpServerTest, ARefusedPublishIsRejected) {
  handler.refuse_code = mqtt::refusal::not_authorized;
  auto client = authenticated();
  ASSERT_EQ(client->attach_sender(kEvents), "");
  proton::message m;
  m.body(std::string("x"));
  EXPECT_EQ(client->send(kEvents, m), "rejected");
}

// IoT Hub rejects an AMQP message it will not take (too large) and the link goes on; over
// MQTT the same refusal closes the connection.
TEST_F(AmqpServerTest, OneRefusedMessageIsRejectedWithItsConditionAndTheLinkGoesOn) {
  handler.refusal = mqtt::PublishRefusal::too_large;
  auto client = authenticated();
  ASSERT_EQ(client->attach_sender(kEvents), "");
  proton::message m;
  m.body(proton::binary(std::string("refuse me")));
  EXPECT_EQ(client->send(kEvents, m), "rejected");
  EXPECT_EQ(client->rejection(0), "amqp:link:message-size-exceeded: refused by the test");
  m.body(proton::binary(std::string("take me")));
  EXPECT_EQ(client->send(kEvents, m), "accepted");
  handler.refusal = mqtt::PublishRefusal::invalid;
  m.body(proton::binary(std::string("refuse this one too")));
  EXPECT_EQ(client->send(kEvents, m), "rejected");
  EXPECT_EQ(client->rejection(2), "amqp:not-allowed: refused by the test");
  EXPECT_EQ(count(handler.closes), 0u);
}

// A message over max-message-size is dropped as it arrives (memory stays bounded) and then
// rejected; the link, the identity and the connection go on.
TEST_F(AmqpServerTest, AMessageOverTheMaxMessageSizeIsDroppedAndRejected) {
  auto client = authenticated();
  ASSERT_EQ(client->attach_sender(kEvents), "");
  proton::message big;
  big.body(proton::binary(std::string(3 * 1024 * 1024, 'x')));  // ServerOptions: 1 MB
  EXPECT_EQ(client->send(kEvents, big, 20s), "rejected");
  EXPECT_EQ(client->rejection(0), "amqp:link:message-size-exceeded: a message over the link's max-message-size of 1048576 bytes");
  EXPECT_EQ(count(handler.publishes), 0u);
  proton::message small;
  small.body(proton::binary(std::string("after")));
  EXPECT_EQ(client->send(kEvents, small), "accepted");
  EXPECT_EQ(count(handler.publishes), 1u);
  EXPECT_EQ(count(handler.closes), 0u);
}

TEST_F(AmqpServerTest, LinksOutsideTheIdentityOrUnknownAreRefused) {
  auto client = authenticated();
  EXPECT_EQ(client->attach_sender("/devices/edge1/modules/other/messages/events"), "amqp:unauthorized-access");
  EXPECT_EQ(client->attach_sender("/devices/edge1/modules/m1/nowhere"), "amqp:not-found");
  EXPECT_EQ(client->attach_receiver("/devices/edge1/modules/m1/messages/forbidden"), "amqp:not-found");
  // A device's C2D link belongs to devices: a module may not attach it.
  EXPECT_EQ(client->attach_receiver("/devices/edge1/messages/devicebound"), "amqp:unauthorized-access");
  // The connection still serves what is in scope.
  EXPECT_EQ(client->attach_sender(kEvents), "");
}

TEST_F(AmqpServerTest, OneIdentityCannotOpenLinksWithoutEnd) {
  auto client = authenticated();
  std::string refusal;
  int attached = 0;
  while (attached < 100 && (refusal = client->attach_sender(kEvents)).empty()) ++attached;
  EXPECT_EQ(refusal, "amqp:resource-limit-exceeded") << "after " << attached << " links";
  EXPECT_GE(attached, 6) << "room for a module's links";
  EXPECT_LE(attached, 32);
  EXPECT_FALSE(client->wait_closed(std::chrono::milliseconds(0))) << "the connection stays";
  EXPECT_EQ(client->attach_receiver("/devices/edge1/modules/m1/twin"), "amqp:resource-limit-exceeded");
}

TEST_F(AmqpServerTest, ModuleInputsArriveWithTheirPropertiesAndSettlementReachesTheHandler) {
  auto client = authenticated();
  ASSERT_EQ(client->attach_receiver(kEvents), "");
  {
    std::lock_guard lock(handler.mutex);
    ASSERT_FALSE(handler.subscribed.empty());
    EXPECT_EQ(handler.subscribed.back(), "devices/edge1/modules/m1/inputs/#");
  }
  on_loop([&] {
    handler.last->publish("devices/edge1/modules/m1/inputs/in1/%24.mid=m-7&%24.cdid=edge1&%24.cmid=src&k=v%20w",
                          "payload", 1, 42);
    return 0;
  });
  const auto got = client->receive(kEvents);
  ASSERT_TRUE(got);
  EXPECT_EQ(proton::coerce<std::string>(got->message_annotations().get(proton::annotation_key("x-opt-input-name"))), "in1");
  EXPECT_EQ(proton::to_string(got->id()), "m-7");
  EXPECT_EQ(proton::coerce<std::string>(got->properties().get("k")), "v w");
  EXPECT_EQ(std::string(proton::get<proton::binary>(got->body())), "payload");
  ASSERT_TRUE(wait_until([&] { return count(handler.delivered) == 1; }));
  std::lock_guard lock(handler.mutex);
  EXPECT_EQ(handler.delivered[0], 42u);
}

TEST_F(AmqpServerTest, TwinRequestsCorrelateWithTheClientsOwnIds) {
  auto client = authenticated();
  const std::string twin = "/devices/edge1/modules/m1/twin";
  ASSERT_EQ(client->attach_sender(twin), "");
  ASSERT_EQ(client->attach_receiver(twin), "");
  proton::message get;
  get.correlation_id(std::string("my-correlation"));
  get.message_annotations().put(proton::annotation_key("operation"), std::string("GET"));
  client->send_async(twin, get);
  const auto reply = client->receive(twin);
  ASSERT_TRUE(reply);
  EXPECT_EQ(proton::to_string(reply->correlation_id()), "my-correlation");
  EXPECT_EQ(proton::coerce<int>(reply->message_annotations().get(proton::annotation_key("status"))), 200);
  // Desired-property notifications: PUT subscribes, answered at once.
  proton::message put;
  put.correlation_id(std::string("sub-1"));
  put.message_annotations().put(proton::annotation_key("operation"), std::string("PUT"));
  put.message_annotations().put(proton::annotation_key("resource"), std::string("/notifications/twin/properties/desired"));
  client->send_async(twin, put);
  const auto put_reply = client->receive(twin);
  ASSERT_TRUE(put_reply);
  EXPECT_EQ(proton::to_string(put_reply->correlation_id()), "sub-1");
  std::lock_guard lock(handler.mutex);
  EXPECT_NE(std::find(handler.subscribed.begin(), handler.subscribed.end(), "$iothub/twin/PATCH/properties/desired/#"),
            handler.subscribed.end());
}

TEST_F(AmqpServerTest, AnEdgeActsForItsChildrenWithItsOwnTokenAndTheLinksAuthChain) {
  AmqpTestClient client("127.0.0.1", port);
  ASSERT_TRUE(client.wait_open());
  ASSERT_EQ(client.put_token("myhub.local/devices/edge1/modules/$edgeHub", "good-token"), 200);
  // No chain: a stranger's address is refused.
  EXPECT_EQ(client.attach_sender("/devices/leaf1/messages/events"), "amqp:unauthorized-access");
  EXPECT_EQ(client.attach_sender("/devices/leaf1/messages/events", {{"com.microsoft:auth-chain", "leaf1;edge1"}}), "");
  {
    std::lock_guard lock(handler.mutex);
    ASSERT_FALSE(handler.connects.empty());
    const auto& connect = handler.connects.back();
    EXPECT_EQ(connect.client_id, "leaf1");
    EXPECT_NE(connect.username.value_or("").find("auth-chain=leaf1%3Bedge1"), std::string::npos) << *connect.username;
    EXPECT_EQ(connect.password.value_or(""), "good-token");  // the edge's
  }
  // A chain that ends in an edge whose token was not put here admits nothing.
  EXPECT_EQ(client.attach_sender("/devices/leaf2/messages/events", {{"com.microsoft:auth-chain", "leaf2;edge9"}}),
            "amqp:unauthorized-access");
}

TEST_F(AmqpServerTest, GarbageClosesThatConnectionAndTheServerGoesOn) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  const std::string garbage = "GET / HTTP/1.1\r\n\r\n";
  ASSERT_EQ(::write(fd, garbage.data(), garbage.size()), static_cast<ssize_t>(garbage.size()));
  char buffer[256];
  ssize_t n = 0;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) {
  }  // the server answers with its protocol header, then closes
  EXPECT_EQ(n, 0);
  ::close(fd);
  EXPECT_TRUE(wait_until([&] { return on_loop([&] { return server->connection_count(); }) == 0; }));
  auto client = authenticated();
  EXPECT_EQ(client->attach_sender(kEvents), "");
}

TEST_F(AmqpServerTest, AConnectionThatProvesNoIdentityIsClosed) {
  AmqpTestClient client("127.0.0.1", port);
  ASSERT_TRUE(client.wait_open());
  ASSERT_TRUE(client.wait_closed(10s));
  EXPECT_EQ(client.close_condition(), "amqp:unauthorized-access");
}

}  // namespace
}  // namespace outpost::amqp

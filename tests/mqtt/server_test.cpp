// The MQTT server against a real socket client: protocol rules, in-order PUBACKs,
// keep-alive, malformed input. The handler here is a recording stub.
#include "outpost/mqtt/server.h"

#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include <gtest/gtest.h>

#include <filesystem>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "outpost/mqtt_codec/codec.h"
#include "support/mqtt_test_client.h"
#include "support/on_loop.h"
#include "support/test_certificates.h"

namespace outpost::mqtt {
namespace {

using outpost::testing::MqttTestClient;
using outpost::testing::wait_until;
using namespace std::chrono_literals;

class RecordingHandler : public Handler {
 public:
  ConnectDecision on_connect(const ConnectionPtr& c, const ConnectPacket& p) override {
    std::lock_guard lock(mutex);
    connected.push_back(p.client_id);
    last = c;
    if (p.password == std::optional<std::string>("wrong")) return {ConnectReturnCode::bad_username_or_password};
    return {ConnectReturnCode::accepted, !p.clean_session};
  }
  void on_publish(const ConnectionPtr& c, PublishPacket&& p, PublishTicket t) override {
    if (p.topic == "throw") throw std::runtime_error("a handler bug");
    std::lock_guard lock(mutex);
    publishes.push_back(p);
    tickets.push_back(t);
    last = c;
    if (auto_complete && t != 0) c->complete_publish(t);
  }
  std::vector<std::uint8_t> on_subscribe(const ConnectionPtr&, const std::vector<Subscription>& subs) override {
    std::vector<std::uint8_t> codes;
    for (const auto& s : subs) codes.push_back(s.filter == "forbidden" ? kSubackFailure : std::min<std::uint8_t>(s.qos, 1));
    return codes;
  }
  void on_unsubscribe(const ConnectionPtr&, const std::vector<std::string>& f) override {
    std::lock_guard lock(mutex);
    unsubscribed.insert(unsubscribed.end(), f.begin(), f.end());
  }
  void on_delivered(const ConnectionPtr&, std::uint64_t tag) override {
    std::lock_guard lock(mutex);
    delivered.push_back(tag);
  }
  void on_close(const ConnectionPtr& c, CloseReason reason) override {
    std::lock_guard lock(mutex);
    closes.push_back(reason);
    disconnect_expiries.push_back(c->disconnect_session_expiry());
  }

  std::mutex mutex;
  bool auto_complete = true;
  std::vector<std::string> connected;
  std::vector<PublishPacket> publishes;
  std::vector<PublishTicket> tickets;
  std::vector<std::string> unsubscribed;
  std::vector<std::uint64_t> delivered;
  std::vector<CloseReason> closes;
  std::vector<std::optional<std::uint32_t>> disconnect_expiries;  // per close
  ConnectionPtr last;
};

class MqttServerTest : public ::testing::Test {
 protected:
  template <typename F>
  auto on_loop(F f) {
    return outpost::testing::on_loop(loop, std::move(f));
  }
  // A fixture may change the options before the server starts.
  virtual void adjust(ServerOptions&) {}
  void SetUp() override {
    ServerOptions options;
    options.limits.connect_timeout = 1s;
    options.max_unacknowledged_inbound = 8;
    options.on_refused = [this](const char* reason) {
      std::lock_guard lock(handler.mutex);
      refused.emplace_back(reason);
    };
    adjust(options);
    server = std::make_unique<Server>(loop, handler, options);
    auto bound = server->listen_tcp("127.0.0.1:0");
    ASSERT_TRUE(bound) << bound.error();
    port = *bound;
    thread = std::thread([this] { loop.run(); });
  }
  void TearDown() override {
    loop.post([this] { server->stop(); });
    ASSERT_TRUE(wait_until([this] { return on_loop([this] { return server->connection_count(); }) == 0; }));
    loop.stop();
    thread.join();
    handler.last.reset();
  }
  // Why the one connection closed, as the handler heard it (it may hear after the client's EOF).
  std::optional<CloseReason> the_close() {
    if (!wait_until([&] {
          std::lock_guard lock(handler.mutex);
          return handler.closes.size() == 1;
        }))
      return std::nullopt;
    std::lock_guard lock(handler.mutex);
    return handler.closes[0];
  }
  std::unique_ptr<MqttTestClient> connect(const std::string& id, bool clean = true,
                                          std::uint16_t keep_alive = 60) {
    auto client = std::make_unique<MqttTestClient>();
    EXPECT_TRUE(client->connect_tcp("127.0.0.1", port)) << client->last_error();
    ConnectPacket c;
    c.client_id = id;
    c.clean_session = clean;
    c.keep_alive_secs = keep_alive;
    auto ack = client->handshake(c);
    EXPECT_TRUE(ack) << client->last_error();
    if (ack) {
      EXPECT_EQ(ack->return_code, ConnectReturnCode::accepted);
    }
    return client;
  }
  std::size_t publish_count() {
    std::lock_guard lock(handler.mutex);
    return handler.publishes.size();
  }

  std::size_t close_count() {
    std::lock_guard lock(handler.mutex);
    return handler.closes.size();
  }

  net::EventLoop loop;
  RecordingHandler handler;
  std::vector<std::string> refused;  // guarded by handler.mutex
  std::unique_ptr<Server> server;
  std::uint16_t port = 0;
  std::thread thread;
};

TEST_F(MqttServerTest, AcceptsConnectAndReportsSessionPresent) {
  auto client = connect("dev1/mod1", /*clean=*/false);
  std::lock_guard lock(handler.mutex);
  EXPECT_EQ(handler.connected, std::vector<std::string>{"dev1/mod1"});
}

TEST_F(MqttServerTest, AnEmptyClientIdGetsOneAssignedWithACleanSessionOnly) {
  connect("", /*clean=*/true);
  connect("", /*clean=*/true);
  {
    std::lock_guard lock(handler.mutex);
    ASSERT_EQ(handler.connected.size(), 2u);
    EXPECT_EQ(handler.connected[0].rfind("auto-", 0), 0u) << handler.connected[0];
    EXPECT_NE(handler.connected[0], handler.connected[1]) << "each its own: neither takes the other over";
  }
  MqttTestClient client;
  ASSERT_TRUE(client.connect_tcp("127.0.0.1", port));
  ConnectPacket c;
  c.clean_session = false;  // a session to keep, and no id to keep it under (§3.1.3.1)
  auto ack = client.handshake(c);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->return_code, ConnectReturnCode::identifier_rejected);
  EXPECT_TRUE(client.wait_closed());
}

TEST_F(MqttServerTest, RefusedConnectGetsReturnCodeThenClose) {
  MqttTestClient client;
  ASSERT_TRUE(client.connect_tcp("127.0.0.1", port));
  ConnectPacket c;
  c.client_id = "d";
  c.username = "u";
  c.password = "wrong";
  auto ack = client.handshake(c);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->return_code, ConnectReturnCode::bad_username_or_password);
  EXPECT_TRUE(client.wait_closed()) << "a refused client must be disconnected";
  std::lock_guard lock(handler.mutex);
  EXPECT_TRUE(handler.closes.empty()) << "on_close is only for accepted connections";
}

TEST_F(MqttServerTest, RefusesOtherProtocolVersions) {
  MqttTestClient client;
  ASSERT_TRUE(client.connect_tcp("127.0.0.1", port));
  ConnectPacket c;
  c.client_id = "d";
  c.protocol_level = 6;  // 4 (3.1.1) and 5 are served
  auto ack = client.handshake(c);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->return_code, ConnectReturnCode::unacceptable_protocol_version);
  EXPECT_TRUE(client.wait_closed());
}

TEST_F(MqttServerTest, PubacksGoOutInArrivalOrder) {
  handler.auto_complete = false;
  auto client = connect("d");
  for (std::uint16_t id = 1; id <= 3; ++id)
    client->send(PublishPacket{"devices/d/messages/events/", "m", 1, false, false, id});
  ASSERT_TRUE(wait_until([&] { return publish_count() == 3; }));
  std::vector<PublishTicket> tickets;
  ConnectionPtr connection;
  {
    std::lock_guard lock(handler.mutex);
    tickets = handler.tickets;
    connection = handler.last;
  }
  // Complete the third, then the first: only the first PUBACK may go out.
  on_loop([&] { connection->complete_publish(tickets[2]); connection->complete_publish(tickets[0]); return 0; });
  auto first = client->receive_a<PubackPacket>();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->packet_id, 1);
  EXPECT_FALSE(client->receive_a<PubackPacket>(200ms)) << "PUBACK 3 must wait for PUBACK 2";
  on_loop([&] { connection->complete_publish(tickets[1]); return 0; });
  auto second = client->receive_a<PubackPacket>();
  auto third = client->receive_a<PubackPacket>();
  ASSERT_TRUE(second && third);
  EXPECT_EQ(second->packet_id, 2);
  EXPECT_EQ(third->packet_id, 3);
}

TEST_F(MqttServerTest, StopsReadingWhenTooManyAcksAreOwed) {
  handler.auto_complete = false;
  auto client = connect("d");
  for (std::uint16_t id = 1; id <= 20; ++id)
    client->send(PublishPacket{"t", "m", 1, false, false, id});
  ASSERT_TRUE(wait_until([&] { return publish_count() == 8; }));
  EXPECT_FALSE(wait_until([&] { return publish_count() > 8; }, 200ms))
      << "reading must pause at max_unacknowledged_inbound owed PUBACKs";
  std::vector<PublishTicket> tickets;
  ConnectionPtr connection;
  {
    std::lock_guard lock(handler.mutex);
    tickets = handler.tickets;
    connection = handler.last;
  }
  on_loop([&] { for (auto t : tickets) connection->complete_publish(t); return 0; });
  ASSERT_TRUE(wait_until([&] { return publish_count() == 16; })) << "reading must resume";
}

TEST_F(MqttServerTest, Qos2PublishClosesTheConnection) {
  auto client = connect("d");
  client->send(PublishPacket{"t", "m", 2, false, false, 1});
  EXPECT_TRUE(client->wait_closed());
  EXPECT_EQ(the_close(), CloseReason::protocol_error);
}

class MqttServerQos2Test : public MqttServerTest {
 protected:
  void adjust(ServerOptions& options) override { options.accept_qos2 = true; }
};

TEST_F(MqttServerQos2Test, Qos2IsReceivedExactlyOnceWithPubrecPubrelPubcomp) {
  auto client = connect("d");
  client->send(PublishPacket{"t", "once", 2, false, false, 7});
  auto rec = client->receive_a<PubrecPacket>();
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->packet_id, 7);
  // The client did not see our PUBREC in time and sends the PUBLISH again: not a new message.
  client->send(PublishPacket{"t", "once", 2, false, true, 7});
  auto rec_again = client->receive_a<PubrecPacket>();
  ASSERT_TRUE(rec_again);
  EXPECT_EQ(rec_again->packet_id, 7);
  client->send(PubrelPacket{7});
  auto comp = client->receive_a<PubcompPacket>();
  ASSERT_TRUE(comp);
  EXPECT_EQ(comp->packet_id, 7);
  // After PUBCOMP the id is free: the same id is a new message.
  client->send(PublishPacket{"t", "twice", 2, false, false, 7});
  ASSERT_TRUE(client->receive_a<PubrecPacket>());
  std::lock_guard lock(handler.mutex);
  ASSERT_EQ(handler.publishes.size(), 2u);
  EXPECT_EQ(handler.publishes[0].payload, "once");
  EXPECT_EQ(handler.publishes[0].qos, 2);
  EXPECT_EQ(handler.publishes[1].payload, "twice");
}

TEST_F(MqttServerQos2Test, Qos2DeliveriesCompleteWithPubrecPubrelPubcomp) {
  auto client = connect("d");
  ConnectionPtr connection;
  {
    std::lock_guard lock(handler.mutex);
    connection = handler.last;
  }
  on_loop([&] { connection->publish("t", "exactly once", 2, /*tag=*/5); return 0; });
  const auto delivery = client->receive_a<PublishPacket>();
  ASSERT_TRUE(delivery);
  EXPECT_EQ(delivery->qos, 2);
  EXPECT_EQ(on_loop([&] { return connection->outbound_in_flight(); }), 1u);
  client->send(PubrecPacket{delivery->packet_id});
  const auto rel = client->receive_a<PubrelPacket>();
  ASSERT_TRUE(rel);
  EXPECT_EQ(rel->packet_id, delivery->packet_id);
  client->send(PubrecPacket{delivery->packet_id});  // our PUBREL was lost, says the client
  ASSERT_TRUE(client->receive_a<PubrelPacket>()) << "a repeated PUBREC gets the PUBREL again";
  {
    std::lock_guard lock(handler.mutex);
    EXPECT_TRUE(handler.delivered.empty()) << "not delivered before the PUBCOMP";
  }
  client->send(PubcompPacket{delivery->packet_id});
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard lock(handler.mutex);
    return handler.delivered == std::vector<std::uint64_t>{5};
  }));
  EXPECT_EQ(on_loop([&] { return connection->outbound_in_flight(); }), 0u);
}

TEST_F(MqttServerQos2Test, APubcompForNothingReleasedIsAProtocolError) {
  auto client = connect("d");
  client->send(PubcompPacket{9});
  EXPECT_TRUE(client->wait_closed());
  EXPECT_EQ(the_close(), CloseReason::protocol_error);
}

TEST_F(MqttServerQos2Test, PubrecsWaitTheirTurnBehindOwedPubacks) {
  handler.auto_complete = false;
  auto client = connect("d");
  client->send(PublishPacket{"t", "a", 1, false, false, 1});
  client->send(PublishPacket{"t", "b", 2, false, false, 2});
  ASSERT_TRUE(wait_until([&] { return publish_count() == 2; }));
  std::vector<PublishTicket> tickets;
  ConnectionPtr connection;
  {
    std::lock_guard lock(handler.mutex);
    tickets = handler.tickets;
    connection = handler.last;
  }
  on_loop([&] { connection->complete_publish(tickets[1]); return 0; });
  EXPECT_FALSE(client->receive_a<PubrecPacket>(200ms)) << "PUBREC 2 waits for PUBACK 1";
  on_loop([&] { connection->complete_publish(tickets[0]); return 0; });
  ASSERT_TRUE(client->receive_a<PubackPacket>());
  ASSERT_TRUE(client->receive_a<PubrecPacket>());
}

TEST_F(MqttServerTest, MalformedPacketClosesOnlyThatConnection) {
  auto good = connect("good");
  auto bad = connect("bad");
  bad->send_raw(std::string("\x30\x01\x00", 3));  // PUBLISH with a truncated topic
  EXPECT_TRUE(bad->wait_closed());
  good->send(PingreqPacket{});
  EXPECT_TRUE(good->receive_a<PingrespPacket>()) << "other clients must be unaffected";
}

TEST_F(MqttServerTest, GarbageBeforeConnectIsRefused) {
  MqttTestClient client;
  ASSERT_TRUE(client.connect_tcp("127.0.0.1", port));
  client.send(PingreqPacket{});
  EXPECT_TRUE(client.wait_closed());
}

TEST_F(MqttServerTest, ClosesClientsThatNeverConnect) {
  MqttTestClient client;
  ASSERT_TRUE(client.connect_tcp("127.0.0.1", port));
  EXPECT_TRUE(client.wait_closed(5s)) << "connect_timeout is 1 s";
}

TEST_F(MqttServerTest, EnforcesOneAndAHalfTimesKeepAlive) {
  auto client = connect("sleepy", true, /*keep_alive=*/1);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client->wait_closed(5s));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 1400ms);
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard lock(handler.mutex);
    return !handler.closes.empty();
  }));
  std::lock_guard lock(handler.mutex);
  EXPECT_EQ(handler.closes[0], CloseReason::keep_alive_timeout);
}

TEST_F(MqttServerTest, SubscribeAndUnsubscribeAreAcknowledged) {
  auto client = connect("d");
  client->send(SubscribePacket{7, {{"$iothub/twin/res/#", 0}, {"forbidden", 1}, {"x/#", 2}}});
  auto suback = client->receive_a<SubackPacket>();
  ASSERT_TRUE(suback);
  EXPECT_EQ(suback->packet_id, 7);
  EXPECT_EQ(suback->return_codes, (std::vector<std::uint8_t>{0, kSubackFailure, 1}));
  client->send(UnsubscribePacket{8, {"x/#"}});
  auto unsuback = client->receive_a<UnsubackPacket>();
  ASSERT_TRUE(unsuback);
  EXPECT_EQ(unsuback->packet_id, 8);
}

TEST_F(MqttServerTest, ServerPublishesAndReportsDelivery) {
  auto client = connect("d");
  client->send(PingreqPacket{});
  ASSERT_TRUE(client->receive_a<PingrespPacket>());
  ConnectionPtr connection;
  {
    std::lock_guard lock(handler.mutex);
    connection = handler.last;
  }
  on_loop([&] {
    connection->publish("devices/d/modules/m/inputs/in1/", "one", 1, 42);
    connection->publish("$iothub/twin/res/200/?$rid=1", "{}", 0, 0);
    return 0;
  });
  auto first = client->receive_a<PublishPacket>();
  auto second = client->receive_a<PublishPacket>();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->qos, 1);
  EXPECT_EQ(first->payload, "one");
  EXPECT_EQ(second->qos, 0);
  EXPECT_EQ(on_loop([&] { return connection->outbound_in_flight(); }), 1u);
  client->send(PubackPacket{first->packet_id});
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard lock(handler.mutex);
    return handler.delivered == std::vector<std::uint64_t>{42};
  }));
}

TEST_F(MqttServerTest, DisconnectIsGracefulAndLossIsNot) {
  {
    auto client = connect("polite");
    client->send(DisconnectPacket{});
    EXPECT_TRUE(client->wait_closed());
  }
  { auto client = connect("rude"); }  // socket closed without DISCONNECT
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard lock(handler.mutex);
    return handler.closes.size() == 2;
  }));
  std::lock_guard lock(handler.mutex);
  EXPECT_EQ(handler.closes[0], CloseReason::client_disconnect);
  EXPECT_EQ(handler.closes[1], CloseReason::transport_error);
}

TEST_F(MqttServerTest, AHandlerThatThrowsCostsItsConnectionNotTheServer) {
  auto good = connect("good");
  auto bad = connect("bad");
  bad->send(PublishPacket{"throw", "x", 0, false, false, 0});
  EXPECT_TRUE(bad->wait_closed());
  good->send(PingreqPacket{});
  EXPECT_TRUE(good->receive_a<PingrespPacket>()) << "the server must keep serving";
}

TEST_F(MqttServerTest, ConnectAndDisconnectInOneWriteStillGetTheConnack) {
  MqttTestClient client;
  ASSERT_TRUE(client.connect_tcp("127.0.0.1", port));
  ConnectPacket connect;
  connect.client_id = "hasty";
  std::string bytes;
  encode(bytes, connect);
  encode(bytes, DisconnectPacket{});
  client.send_raw(bytes);
  const auto ack = client.receive_a<ConnackPacket>();
  ASSERT_TRUE(ack) << "the CONNACK must go out before the DISCONNECT closes the connection";
  EXPECT_EQ(ack->return_code, ConnectReturnCode::accepted);
  EXPECT_TRUE(client.wait_closed());
  ASSERT_TRUE(wait_until([&] { return close_count() == 1; }));
  std::lock_guard lock(handler.mutex);
  EXPECT_EQ(handler.closes[0], CloseReason::client_disconnect);
}

TEST_F(MqttServerTest, PingsAreAnsweredWhileReadingIsPaused) {
  handler.auto_complete = false;
  auto client = connect("held");
  for (std::uint16_t id = 1; id <= 10; ++id) client->send(PublishPacket{"t", "m", 1, false, false, id});
  ASSERT_TRUE(wait_until([&] { return publish_count() == 8; }));
  // A publisher held back must not look dead to its client: its pings are answered.
  for (int i = 0; i < 3; ++i) {
    client->send(PingreqPacket{});
    ASSERT_TRUE(client->receive_a<PingrespPacket>()) << "ping " << i << " while paused";
  }
  EXPECT_EQ(publish_count(), 8u) << "the held publishes wait their turn";
  EXPECT_EQ(close_count(), 0u);
  std::vector<PublishTicket> tickets;
  ConnectionPtr connection;
  {
    std::lock_guard lock(handler.mutex);
    tickets = handler.tickets;
    connection = handler.last;
  }
  on_loop([&] { for (auto t : tickets) connection->complete_publish(t); return 0; });
  ASSERT_TRUE(wait_until([&] { return publish_count() == 10; })) << "held publishes are handled, in order, on resume";
  std::lock_guard lock(handler.mutex);
  EXPECT_EQ(handler.publishes[8].packet_id, 9);
  EXPECT_EQ(handler.publishes[9].packet_id, 10);
}

TEST_F(MqttServerTest, PacketsBeforeConnectAreCappedLow) {
  MqttTestClient stranger;
  ASSERT_TRUE(stranger.connect_tcp("127.0.0.1", port));
  // A CONNECT announcing 100 KB: refused from its header, before anything is buffered.
  stranger.send_raw(std::string("\x10\x80\xa0\x06", 4));  // remaining length 102,400
  EXPECT_TRUE(stranger.wait_closed());
  // Once connected, the full packet size applies.
  auto client = connect("big");
  client->send(PublishPacket{"t", std::string(100 * 1024, 'x'), 1, false, false, 1});
  EXPECT_TRUE(client->receive_a<PubackPacket>());
}

class MqttServerStrangerCapTest : public MqttServerTest {
 protected:
  void adjust(ServerOptions& options) override {
    options.limits.max_unauthenticated_connections = 2;
    options.limits.connect_timeout = 60s;
  }
};

TEST_F(MqttServerStrangerCapTest, StrangersPastTheCapAreClosedOnAccept) {
  MqttTestClient first, second, third;
  ASSERT_TRUE(first.connect_tcp("127.0.0.1", port));
  ASSERT_TRUE(second.connect_tcp("127.0.0.1", port));
  ASSERT_TRUE(wait_until([&] { return on_loop([&] { return server->connection_count(); }) == 2; }));
  ASSERT_TRUE(third.connect_tcp("127.0.0.1", port));
  EXPECT_TRUE(third.wait_closed()) << "a third unauthenticated connection is over the cap of 2";
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard lock(handler.mutex);
    return !refused.empty();
  }));
  {
    std::lock_guard lock(handler.mutex);
    ASSERT_EQ(refused.size(), 1u);
    EXPECT_EQ(refused[0], "unauthenticated_limit");
  }
  // Authenticating frees a place.
  ConnectPacket c;
  c.client_id = "first";
  ASSERT_TRUE(first.handshake(c));
  auto fourth = connect("fourth");
  fourth->send(PingreqPacket{});
  EXPECT_TRUE(fourth->receive_a<PingrespPacket>());
}

class MqttServerTlsTest : public MqttServerTest {
 protected:
  void adjust(ServerOptions& options) override {
    options.limits.tls_handshake_timeout = 1s;
    options.limits.connect_timeout = 60s;
  }
};

// A blocking TLS 1.2 handshake offering only `ciphers`: did the server accept one?
bool tls12_handshake_succeeds(std::uint16_t port, const char* ciphers) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return false;
  }
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
  const bool configured = SSL_CTX_set_cipher_list(ctx, ciphers) == 1;
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  const bool ok = configured && SSL_connect(ssl) == 1;
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  ::close(fd);
  return ok;
}

std::shared_ptr<net::TlsServerContext> test_tls_context(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  const auto cert = outpost::testing::write_self_signed_certificate(dir.string());
  auto tls = net::TlsServerContext::create({cert.cert_file, cert.key_file});
  EXPECT_TRUE(tls) << tls.error();
  return tls ? *tls : nullptr;
}

TEST_F(MqttServerTlsTest, Tls12OffersOnlyForwardSecretAeadSuites) {
  const auto dir = std::filesystem::temp_directory_path() / ("outpost-mqtt-ciphers-" + std::to_string(::getpid()));
  const auto tls = test_tls_context(dir);
  ASSERT_TRUE(tls);
  const auto tls_port = on_loop([&] { return server->listen_tls("127.0.0.1:0", tls); });
  ASSERT_TRUE(tls_port) << tls_port.error();
  EXPECT_TRUE(tls12_handshake_succeeds(*tls_port, "ECDHE-ECDSA-AES128-GCM-SHA256"));
  EXPECT_TRUE(tls12_handshake_succeeds(*tls_port, "ECDHE-ECDSA-CHACHA20-POLY1305"));
  EXPECT_FALSE(tls12_handshake_succeeds(*tls_port, "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384"))
      << "CBC suites must not be offered";
  EXPECT_FALSE(tls12_handshake_succeeds(*tls_port, "AES128-GCM-SHA256:AES256-SHA")) << "static RSA key exchange";
  std::filesystem::remove_all(dir);
}

TEST_F(MqttServerTlsTest, ATlsClientThatNeverSaysHelloIsClosedAtTheHandshakeTimeout) {
  const auto dir = std::filesystem::temp_directory_path() / ("outpost-mqtt-tls-" + std::to_string(::getpid()));
  const auto tls = test_tls_context(dir);
  ASSERT_TRUE(tls);
  const auto tls_port = on_loop([&] { return server->listen_tls("127.0.0.1:0", tls); });
  ASSERT_TRUE(tls_port) << tls_port.error();
  MqttTestClient silent;
  ASSERT_TRUE(silent.connect_tcp("127.0.0.1", *tls_port));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(silent.wait_closed(10s)) << "the handshake timeout is 1 s (the CONNECT timeout 60 s)";
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  std::filesystem::remove_all(dir);
}

// ---- MQTT 5 on the same listener ----

std::unique_ptr<MqttTestClient> connect_v5(std::uint16_t port, const std::string& id, ConnackPacket* ack_out,
                                           Properties properties = {}, std::uint16_t keep_alive = 60) {
  auto client = std::make_unique<MqttTestClient>();
  EXPECT_TRUE(client->connect_tcp("127.0.0.1", port)) << client->last_error();
  ConnectPacket c;
  c.protocol_level = kMqtt5;
  c.client_id = id;
  c.keep_alive_secs = keep_alive;
  c.properties = std::move(properties);
  auto ack = client->handshake(c);
  EXPECT_TRUE(ack) << client->last_error();
  if (ack && ack_out) *ack_out = *ack;
  return client;
}

TEST_F(MqttServerTest, AnMqtt5ConnectGetsAnMqtt5ConnackWithTheServersLimits) {
  ConnackPacket ack;
  auto client = connect_v5(port, "", &ack);
  EXPECT_EQ(ack.reason_code, 0);
  EXPECT_EQ(ack.properties.topic_alias_maximum, 32);
  EXPECT_EQ(ack.properties.maximum_qos, 1) << "this server does not take QoS 2";
  EXPECT_EQ(ack.properties.shared_subscription_available, 0);
  ASSERT_TRUE(ack.properties.assigned_client_identifier);
  EXPECT_EQ(ack.properties.assigned_client_identifier->rfind("auto-", 0), 0u);
  {
    std::lock_guard lock(handler.mutex);
    ASSERT_EQ(handler.connected.size(), 1u);
  }
  EXPECT_FALSE(ack.session_present) << "no Session Expiry Interval: a session that ends with the connection";
  EXPECT_EQ(on_loop([&] { return handler.last->protocol_level(); }), kMqtt5);
  // Subscribe and unsubscribe in the MQTT 5 layout.
  client->send(SubscribePacket{1, {{"a/#", 1, true, false, 0}}, {}});
  const auto suback = client->receive_a<SubackPacket>();
  ASSERT_TRUE(suback) << client->last_error();
  EXPECT_EQ(suback->return_codes, std::vector<std::uint8_t>{1});
  client->send(UnsubscribePacket{2, {"a/#", "b"}, {}});
  const auto unsuback = client->receive_a<UnsubackPacket>();
  ASSERT_TRUE(unsuback) << client->last_error();
  EXPECT_EQ(unsuback->reason_codes, (std::vector<std::uint8_t>{0, 0}));
}

TEST_F(MqttServerTest, Mqtt5TopicAliasesAreResolvedAndAnUnknownOneClosesTheConnection) {
  auto client = connect_v5(port, "aliaser", nullptr);
  PublishPacket first;
  first.topic = "plant/line1/temp";
  first.payload = "21";
  first.properties.topic_alias = 3;
  client->send(first);
  PublishPacket again;
  again.payload = "22";
  again.properties.topic_alias = 3;
  client->send(again);
  ASSERT_TRUE(wait_until([&] { return publish_count() == 2; }));
  {
    std::lock_guard lock(handler.mutex);
    EXPECT_EQ(handler.publishes[1].topic, "plant/line1/temp") << "the alias stands for the topic";
  }
  PublishPacket unknown;
  unknown.payload = "x";
  unknown.properties.topic_alias = 4;
  client->send(unknown);
  const auto disconnect = client->receive_a<DisconnectPacket>();
  ASSERT_TRUE(disconnect) << client->last_error();
  EXPECT_EQ(disconnect->reason_code, disconnect_reason::protocol_error);
  EXPECT_EQ(disconnect->properties.reason_string, "Topic Alias 4 was never set");
  EXPECT_TRUE(client->wait_closed());
  EXPECT_EQ(the_close(), CloseReason::protocol_error);
}

TEST_F(MqttServerTest, Mqtt5ReceiveMaximumHoldsDeliveriesBackUntilAcknowledged) {
  Properties props;
  props.receive_maximum = 1;
  auto client = connect_v5(port, "slow", nullptr, props);
  ConnectionPtr connection;
  {
    std::lock_guard lock(handler.mutex);
    connection = handler.last;
  }
  on_loop([&] {
    for (int i = 1; i <= 3; ++i) connection->publish("t", std::to_string(i), 1, static_cast<std::uint64_t>(i));
    return 0;
  });
  auto one = client->receive_a<PublishPacket>();
  ASSERT_TRUE(one) << client->last_error();
  EXPECT_EQ(one->payload, "1");
  EXPECT_FALSE(client->receive_a<PublishPacket>(300ms)) << "one in flight at a time";
  for (const char* next : {"2", "3"}) {
    client->send(PubackPacket{one->packet_id, 0, {}});
    one = client->receive_a<PublishPacket>();
    ASSERT_TRUE(one) << client->last_error();
    EXPECT_EQ(one->payload, next);
  }
}


// The reason code of the DISCONNECT a v5 client gets before the server closes its connection.
std::optional<std::uint8_t> disconnect_reason_of(MqttTestClient& client) {
  const auto disconnect = client.receive_a<DisconnectPacket>();
  if (!disconnect) return std::nullopt;
  EXPECT_TRUE(client.wait_closed()) << "the connection closes after the DISCONNECT";
  return disconnect->reason_code;
}

TEST_F(MqttServerTest, Mqtt5ClientsAreToldWhyTheServerClosesTheirConnection) {
  const auto close_last = [&](CloseReason reason) {
    on_loop([&] {
      handler.last->close(reason, "by the test");
      return 0;
    });
  };
  auto taken = connect_v5(port, "taken", nullptr);
  close_last(CloseReason::taken_over);
  EXPECT_EQ(disconnect_reason_of(*taken), disconnect_reason::session_taken_over);
  auto closed = connect_v5(port, "closed", nullptr);
  close_last(CloseReason::server_closed);
  EXPECT_EQ(disconnect_reason_of(*closed), disconnect_reason::administrative_action);
  auto sleepy = connect_v5(port, "sleepy", nullptr, {}, /*keep_alive=*/1);
  EXPECT_EQ(disconnect_reason_of(*sleepy), disconnect_reason::keep_alive_timeout);
  auto malformed = connect_v5(port, "malformed", nullptr);
  malformed->send_raw(std::string("\x30\x01\x00", 3));  // PUBLISH with a truncated topic
  EXPECT_EQ(disconnect_reason_of(*malformed), disconnect_reason::malformed_packet);
  auto big = connect_v5(port, "big", nullptr);
  big->send_raw(std::string("\x30\xff\xff\x7f", 4));  // announces 2 MB, above max_packet_bytes
  EXPECT_EQ(disconnect_reason_of(*big), disconnect_reason::packet_too_large);
  auto last = connect_v5(port, "last", nullptr);
  on_loop([&] {
    server->stop();
    return 0;
  });
  EXPECT_EQ(disconnect_reason_of(*last), disconnect_reason::server_shutting_down);
}

TEST_F(MqttServerTest, Mqtt311ClientsGetNoDisconnectFromTheServer) {
  auto client = connect("old");
  on_loop([&] {
    handler.last->close(CloseReason::taken_over, "by the test");
    return 0;
  });
  EXPECT_FALSE(client->receive(2s)) << "an MQTT 3.1.1 server sends no DISCONNECT";
  EXPECT_TRUE(client->wait_closed());
}

TEST_F(MqttServerTest, Mqtt5DisconnectMayChangeTheSessionExpiryButNotFromZero) {
  Properties keep;
  keep.session_expiry_interval = 60;
  auto client = connect_v5(port, "kept", nullptr, keep);
  DisconnectPacket shorter;
  shorter.properties.session_expiry_interval = 5;
  client->send(shorter);
  EXPECT_TRUE(client->wait_closed());
  ASSERT_TRUE(wait_until([&] { return close_count() == 1; }));
  {
    std::lock_guard lock(handler.mutex);
    EXPECT_EQ(handler.closes[0], CloseReason::client_disconnect);
    EXPECT_EQ(handler.disconnect_expiries[0], std::optional<std::uint32_t>(5));
  }
  auto clean = connect_v5(port, "clean", nullptr);  // Session Expiry Interval 0
  DisconnectPacket longer;
  longer.properties.session_expiry_interval = 60;
  clean->send(longer);
  EXPECT_EQ(disconnect_reason_of(*clean), disconnect_reason::protocol_error);
  ASSERT_TRUE(wait_until([&] { return close_count() == 2; }));
  std::lock_guard lock(handler.mutex);
  EXPECT_EQ(handler.closes[1], CloseReason::protocol_error) << "not a valid DISCONNECT: the will is kept";
}

TEST_F(MqttServerTest, Mqtt5DisconnectWithAReasonKeepsTheWill) {
  auto client = connect_v5(port, "willing", nullptr);
  client->send(DisconnectPacket{disconnect_reason::with_will, {}});
  EXPECT_TRUE(client->wait_closed());
  EXPECT_EQ(the_close(), CloseReason::client_disconnect_with_will);
}

}  // namespace
}  // namespace outpost::mqtt

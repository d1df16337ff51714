// The C++ SDK (libOutpostClient) as modules of a real outpost-hub over MQTT/TLS: the scenario
// the official Node SDK runs in tests/node/hub_module_sdk_test.js — an output routed to an
// input with its properties, direct methods both ways, twin get/reported/desired, a hub
// restart the SDK rides through — plus what only the SDK promises: nothing it reported as
// sent is lost when the hub is killed -9, and tokens are renewed before they expire.
#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>

#include <nlohmann/json.hpp>

#include "hub/hub_process.h"
#include "outpost/client/outpost_client.h"
#include "outpost/core/clock.h"
#include "outpost/core/sas_token.h"
#include "outpost/http_client/http_client.h"
#include "support/process.h"
#include "support/test_certificates.h"

namespace outpost::testing {
namespace {

using client::ClientError;
using client::ClientOptions;
using client::ErrorCode;
using client::Message;
using client::MethodResult;
using client::ModuleClient;
using nlohmann::json;
using namespace std::chrono_literals;

const std::string kPolicyKey = random_key();

// Waits for `condition` under `mutex`, up to `limit`; false at the deadline.
template <typename Condition>
bool wait_for(std::mutex& mutex, std::condition_variable& changed, Condition condition, std::chrono::seconds limit = 20s) {
  std::unique_lock lock(mutex);
  return changed.wait_for(lock, limit, condition);
}

// Polls `probe` (which may throw) until it returns true or the limit passes.
template <typename Probe>
bool eventually(Probe probe, std::chrono::seconds limit = 30s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      if (probe()) return true;
    } catch (const std::exception&) {
      // not yet
    }
    std::this_thread::sleep_for(100ms);  // polling interval
  }
  return false;
}

struct Inbox {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<Message> messages;
  void add(const Message& m) {
    {
      std::lock_guard lock(mutex);
      messages.push_back(m);
    }
    changed.notify_all();
  }
  std::optional<Message> find_body(const std::string& body, std::chrono::seconds limit = 20s) {
    std::optional<Message> found;
    wait_for(mutex, changed, [&] {
      for (const auto& m : messages)
        if (m.body == body) found = m;
      return found.has_value();
    }, limit);
    return found;
  }
};

class SdkOnHub : public ::testing::Test {
 protected:
  HubIdentity a{HubProcess::kDeviceId, "A", random_key()};
  HubIdentity b{HubProcess::kDeviceId, "B", random_key()};
  HubIdentity leaf{"leaf1", "", random_key()};
  HubProcess hub{{a, b, leaf},
                 json{{"AtoB", "FROM /messages/modules/A/outputs/out1 INTO BrokeredEndpoint(\"/modules/B/inputs/in1\")"},
                      {"LeafToB", "FROM /messages/* WHERE $connectionDeviceId = 'leaf1' INTO BrokeredEndpoint(\"/modules/B/inputs/leaf\")"}},
                 "tls: { cert: server.pem, key: server.key }\n"
                 "management: { policies: [ { name: iothubowner, primary_key: \"" + kPolicyKey + "\" } ] }\n"};
  std::uint16_t mqtts_port = free_port();
  std::uint16_t wss_port = free_port();
  std::string ca;

  void SetUp() override {
    ca = write_self_signed_certificate(hub.dir(), "server").cert_file;
    // Fixed ports, so that a restarted hub is where the modules left it.
    hub.add_listener("mqtts", "127.0.0.1:" + std::to_string(mqtts_port));
    hub.add_listener("wss", "127.0.0.1:" + std::to_string(wss_port));
    hub.start();
  }

  ClientOptions options() const {
    ClientOptions o;
    o.caFile = ca;
    o.httpsPort = wss_port;  // the module API (invokeMethod) is served beside WebSocket, on 443 in production
    o.firstRetryDelay = 200ms;
    o.maxRetryDelay = 1s;
    return o;
  }

  ModuleClient module(const HubIdentity& id, ClientOptions o) const {
    return ModuleClient::fromConnectionString("HostName=" + std::string(HubProcess::kHostname) + ";DeviceId=" +
                                                  id.device_id + ";ModuleId=" + id.module_id + ";SharedAccessKey=" +
                                                  id.key + ";GatewayHostName=127.0.0.1:" + std::to_string(mqtts_port),
                                              std::move(o));
  }
  ModuleClient module(const HubIdentity& id) const { return module(id, options()); }

  // The hub's management API with a service token (as operators' tools call it).
  net::HttpClientResponse api(const std::string& method, const std::string& path, const json& body = nullptr) const {
    const auto token = build_sas_token(HubProcess::kHostname, kPolicyKey, SystemClock::instance().unix_seconds() + 600,
                                       std::string_view("iothubowner"));
    auto reply = net::http_request(method, "http://127.0.0.1:" + std::to_string(hub.metrics_port()) + path,
                                   {{"Authorization", *token}, {"Content-Type", "application/json"}},
                                   body.is_null() ? "" : body.dump());
    EXPECT_TRUE(reply) << reply.error();
    return reply ? *reply : net::HttpClientResponse{};
  }
};

TEST_F(SdkOnHub, RunsTheNodeSdkScenarioOutputsInputsMethodsTwinAndAHubRestart) {
  auto sender = module(a);
  auto receiver = module(b);
  Inbox inbox;
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<json> desired;
  receiver.onInputMessage("in1", [&](const Message& m) { inbox.add(m); });
  receiver.onDesiredPropertiesUpdate([&](const std::string& patch) {
    {
      std::lock_guard lock(mutex);
      desired.push_back(json::parse(patch));
    }
    changed.notify_all();
  });
  receiver.onMethod("ping", [](const std::string& payload) { return MethodResult{200, json{{"pong", json::parse(payload)}}.dump()}; });
  sender.onMethod("whoami", [](const std::string&) { return MethodResult{201, "\"A\""}; });
  sender.open();
  receiver.open();

  // An output, routed to an input, with every property intact.
  Message message(R"({"seq":1,"temperature":21.5})");
  message.messageId = "msg-1";
  message.correlationId = "corr-1";
  message.contentType = "application/json";
  message.contentEncoding = "utf-8";
  message.setProperty("custom prop", "a b&c=d/é");
  sender.sendOutputEvent("out1", message);
  const auto got = inbox.find_body(message.body);
  ASSERT_TRUE(got) << "B did not receive A's output\n" << hub.log();
  EXPECT_EQ(got->inputName, "in1");
  EXPECT_EQ(got->messageId, "msg-1");
  EXPECT_EQ(got->correlationId, "corr-1");
  EXPECT_EQ(got->contentType, "application/json");
  EXPECT_EQ(got->contentEncoding, "utf-8");
  ASSERT_NE(got->property("custom prop"), nullptr);
  EXPECT_EQ(*got->property("custom prop"), "a b&c=d/é");
  EXPECT_EQ(got->connectionDeviceId, HubProcess::kDeviceId);
  EXPECT_EQ(got->connectionModuleId, "A");

  // Direct methods both ways, module to module through the hub's module API.
  const auto pong = sender.invokeMethod(HubProcess::kDeviceId, "B", "ping", R"({"n":7})", 10s);
  EXPECT_EQ(pong.status, 200);
  EXPECT_EQ(json::parse(pong.payload)["pong"]["n"], 7);
  const auto who = receiver.invokeMethod(HubProcess::kDeviceId, "A", "whoami");
  EXPECT_EQ(who.status, 201);
  EXPECT_EQ(who.payload, "\"A\"");
  try {
    sender.invokeMethod(HubProcess::kDeviceId, "nobody", "ping", "null", 5s);
    ADD_FAILURE() << "a method on a module that is not connected succeeded";
  } catch (const ClientError& e) {
    EXPECT_EQ(e.code(), ErrorCode::rejected) << e.what();
    EXPECT_EQ(e.status(), 404) << e.what();
  }
  // And from the service side, as the cloud or an operator calls it.
  const auto service_call = api("POST", "/twins/edge1/modules/B/methods?api-version=2021-04-12",
                                json{{"methodName", "ping"}, {"payload", "hi"}, {"responseTimeoutInSeconds", 10}});
  EXPECT_EQ(service_call.status, 200) << service_call.body;
  EXPECT_EQ(json::parse(service_call.body)["payload"]["pong"], "hi");

  // The twin: get, reported, desired.
  auto twin = json::parse(receiver.getTwin());
  EXPECT_TRUE(twin.contains("desired") && twin.contains("reported")) << twin.dump();
  receiver.updateReportedProperties(R"({"firmware":"1.2.3","telemetry":{"interval":5}})");
  const auto seen = api("GET", "/twins/edge1/modules/B?api-version=2021-04-12");
  EXPECT_EQ(json::parse(seen.body)["properties"]["reported"]["firmware"], "1.2.3") << seen.body;
  auto patched = api("PATCH", "/twins/edge1/modules/B?api-version=2021-04-12", json{{"properties", {{"desired", {{"setpoint", 42}}}}}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  const auto desired_has = [&](int value) {
    return wait_for(mutex, changed, [&] {
      for (const auto& d : desired)
        if (d.value("setpoint", 0) == value) return true;
      return false;
    });
  };
  EXPECT_TRUE(desired_has(42)) << "B did not get the desired patch";
  EXPECT_EQ(json::parse(receiver.getTwin())["desired"]["setpoint"], 42);
  try {
    sender.updateReportedProperties(R"({"bad.key":1})");
    ADD_FAILURE() << "a reported key with a dot was accepted";
  } catch (const ClientError& e) {
    EXPECT_EQ(e.code(), ErrorCode::rejected) << e.what();
    EXPECT_GE(e.status(), 400) << e.what();
  }

  // The hub restarts: the SDK reconnects on its own; the twin, desired patches and routing work.
  hub.stop();
  hub.start();
  EXPECT_TRUE(eventually([&] {
    const auto t = json::parse(receiver.getTwin());
    return t["reported"]["firmware"] == "1.2.3" && t["desired"]["setpoint"] == 42;
  })) << "the twin is not back after the restart\n" << hub.log();
  patched = api("PATCH", "/twins/edge1/modules/B?api-version=2021-04-12", json{{"properties", {{"desired", {{"setpoint", 43}}}}}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_TRUE(desired_has(43)) << "B did not get the desired patch after the restart";
  sender.sendOutputEvent("out1", Message("after the restart"));
  EXPECT_TRUE(inbox.find_body("after the restart")) << "B did not receive A's output after the restart";

  EXPECT_GE(hub.metric("edgehub_messages_received_total", "id=\"edge1/A\""), 1) << hub.metrics();
}

TEST_F(SdkOnHub, NothingReportedAsSentIsLostWhenTheHubIsKilled) {
  auto sender = module(a);
  auto receiver = module(b);
  Inbox inbox;
  receiver.onInputMessage("in1", [&](const Message& m) { inbox.add(m); });
  sender.open();
  receiver.open();

  constexpr int kMessages = 2000;
  std::vector<std::future<void>> sent;
  for (int i = 0; i < kMessages; ++i) {
    sent.push_back(sender.sendOutputEventAsync("out1", Message(std::to_string(i))));
    if (i == kMessages / 4) {
      sent[kMessages / 8].wait();  // traffic is flowing: some acknowledged, more in flight
      hub.kill();
    }
    if (i == kMessages / 2) hub.start();
  }
  std::set<std::string> acknowledged;
  for (int i = 0; i < kMessages; ++i) {
    try {
      sent[i].get();
      acknowledged.insert(std::to_string(i));
    } catch (const ClientError& e) {
      ADD_FAILURE() << "message " << i << " failed: " << e.what();  // within operationTimeout it should not
    }
  }
  std::set<std::string> received;
  const bool all = wait_for(inbox.mutex, inbox.changed, [&] {
    for (const auto& m : inbox.messages) received.insert(m.body);
    for (const auto& body : acknowledged)
      if (!received.count(body)) return false;
    return true;
  }, 60s);
  std::size_t missing = 0;
  for (const auto& body : acknowledged) missing += received.count(body) ? 0 : 1;
  EXPECT_TRUE(all) << missing << " of " << acknowledged.size() << " acknowledged messages never reached B";
}

TEST_F(SdkOnHub, RenewsItsTokenBeforeItExpiresAndKeepsSending) {
  std::mutex mutex;
  std::condition_variable changed;
  int renewals = 0;
  std::vector<std::string> refusals;
  auto o = options();
  o.tokenLifetime = 4s;  // renewed after 3 s
  o.onConnectionStatus = [&](client::ConnectionStatus status, client::ConnectionReason reason, const std::string& detail) {
    std::lock_guard lock(mutex);
    if (status == client::ConnectionStatus::connected && reason == client::ConnectionReason::token_renewal) ++renewals;
    if (reason == client::ConnectionReason::auth_refused) refusals.push_back(detail);
    changed.notify_all();
  };
  auto sender = module(a, o);
  auto receiver = module(b);
  Inbox inbox;
  receiver.onInputMessage("in1", [&](const Message& m) { inbox.add(m); });
  sender.open();
  receiver.open();
  int sent = 0;
  // Send across at least two renewals: every send is acknowledged.
  while (true) {
    {
      std::lock_guard lock(mutex);
      if (renewals >= 2) break;
    }
    ASSERT_LT(sent, 400) << "no two token renewals in 40 s of sending";
    sender.sendOutputEvent("out1", Message("renewal " + std::to_string(sent++)));
    std::this_thread::sleep_for(100ms);  // a steady trickle, not a condition
  }
  EXPECT_TRUE(inbox.find_body("renewal " + std::to_string(sent - 1)));
  std::lock_guard lock(mutex);
  EXPECT_TRUE(refusals.empty()) << refusals.front();
}

TEST_F(SdkOnHub, RefusedCredentialsAreAnAuthErrorAndAnUnknownCaATransportError) {
  HubIdentity stranger{HubProcess::kDeviceId, "A", random_key()};
  auto wrong_key = module(stranger);
  try {
    wrong_key.open();
    FAIL() << "a wrong key was accepted";
  } catch (const ClientError& e) {
    EXPECT_EQ(e.code(), ErrorCode::auth_refused) << e.what();
  }
  auto o = options();
  o.caFile = write_self_signed_certificate(hub.dir(), "other").cert_file;
  auto wrong_ca = module(a, o);
  try {
    wrong_ca.open();
    FAIL() << "a hub with a certificate from another CA was trusted";
  } catch (const ClientError& e) {
    EXPECT_EQ(e.code(), ErrorCode::transport) << e.what();
  }
  auto never_opened = module(a);
  try {
    never_opened.sendEvent(Message("x"));
    FAIL() << "a client that was never opened sent";
  } catch (const ClientError& e) {
    EXPECT_EQ(e.code(), ErrorCode::not_connected) << e.what();
  }
}

// A leaf device through the hub as its gateway: telemetry, C2D, its twin, direct methods.
TEST_F(SdkOnHub, ADeviceClientSendsAndGetsC2dTwinAndMethodsThroughTheGateway) {
  auto receiver = module(b);
  Inbox from_leaf;
  receiver.onInputMessage("leaf", [&](const Message& m) { from_leaf.add(m); });
  receiver.open();
  auto device = client::DeviceClient::fromConnectionString(
      "HostName=" + std::string(HubProcess::kHostname) + ";DeviceId=leaf1;SharedAccessKey=" + leaf.key +
          ";GatewayHostName=127.0.0.1:" + std::to_string(mqtts_port),
      options());
  Inbox c2d;
  std::mutex mutex;
  std::condition_variable changed;
  std::string desired;
  device.onC2dMessage([&](const Message& m) { c2d.add(m); });
  device.onDesiredPropertiesUpdate([&](const std::string& patch) {
    {
      std::lock_guard lock(mutex);
      desired = patch;
    }
    changed.notify_all();
  });
  device.onMethod("reboot", [](const std::string& payload) { return MethodResult{202, payload}; });
  device.open();

  Message reading("leaf reading");
  reading.messageId = "leaf-1";
  device.sendEvent(reading);
  const auto got = from_leaf.find_body("leaf reading");
  ASSERT_TRUE(got) << "the leaf's telemetry was not routed\n" << hub.log();
  EXPECT_EQ(got->connectionDeviceId, "leaf1");
  EXPECT_EQ(got->messageId, "leaf-1");

  // C2D, as the cloud (or an operator) sends it through the hub.
  const auto token = build_sas_token(HubProcess::kHostname, kPolicyKey, SystemClock::instance().unix_seconds() + 600,
                                     std::string_view("iothubowner"));
  const auto sent = net::http_request("POST", "http://127.0.0.1:" + std::to_string(hub.metrics_port()) +
                                                  "/devices/leaf1/messages/devicebound?api-version=2021-04-12",
                                      {{"Authorization", *token}, {"iothub-messageid", "c2d-1"}, {"iothub-app-kind", "cmd"}},
                                      "open the valve");
  ASSERT_TRUE(sent && sent->status == 204) << (sent ? sent->body : sent.error());
  const auto command = c2d.find_body("open the valve");
  ASSERT_TRUE(command) << "no C2D message";
  EXPECT_EQ(command->messageId, "c2d-1");
  ASSERT_NE(command->property("kind"), nullptr);
  EXPECT_EQ(*command->property("kind"), "cmd");

  device.updateReportedProperties(R"({"valve":"open"})");
  EXPECT_EQ(json::parse(api("GET", "/twins/leaf1?api-version=2021-04-12").body)["properties"]["reported"]["valve"], "open");
  ASSERT_EQ(api("PATCH", "/twins/leaf1?api-version=2021-04-12", json{{"properties", {{"desired", {{"rate", 5}}}}}}).status, 200);
  EXPECT_TRUE(wait_for(mutex, changed, [&] { return !desired.empty() && json::parse(desired).value("rate", 0) == 5; }));
  const auto reboot = api("POST", "/twins/leaf1/methods?api-version=2021-04-12",
                          json{{"methodName", "reboot"}, {"payload", {{"delay", 3}}}, {"responseTimeoutInSeconds", 10}});
  ASSERT_EQ(reboot.status, 200) << reboot.body;
  EXPECT_EQ(json::parse(reboot.body)["status"], 202);
  EXPECT_EQ(json::parse(reboot.body)["payload"]["delay"], 3);
}

// X.509 device authentication, against mosquitto requiring a client certificate: the SDK
// presents it (and without it, the TLS handshake fails as a transport error).
TEST(SdkX509, ADeviceClientPresentsItsCertificate) {
  if (!have_program("mosquitto")) GTEST_SKIP() << "mosquitto is not installed (scripts/install-deps installs it)";
  const auto dir = make_temp_dir("outpost-sdk-x509");
  const auto server = write_self_signed_certificate(dir, "server");
  const auto device = write_self_signed_certificate(dir, "device");
  const auto port = free_port();
  write_file(dir + "/mosquitto.conf", "listener " + std::to_string(port) + " 127.0.0.1\nallow_anonymous true\n" +
                                          "certfile " + server.cert_file + "\nkeyfile " + server.key_file + "\n" +
                                          "cafile " + device.cert_file + "\nrequire_certificate true\n");
  Process broker({"mosquitto", "-c", dir + "/mosquitto.conf"}, dir + "/mosquitto.log");
  ClientOptions options;
  options.caFile = server.cert_file;
  options.certificateFile = device.cert_file;
  options.privateKeyFile = device.key_file;
  options.operationTimeout = 10s;
  const auto cs = "HostName=hub.example.net;DeviceId=dev-x509;x509=true;GatewayHostName=127.0.0.1:" + std::to_string(port);
  auto client = client::DeviceClient::fromConnectionString(cs, options);
  ASSERT_TRUE(eventually([&] {
    client.open();  // mosquitto may still be starting: refused until it listens
    return true;
  }, 20s)) << read_file(dir + "/mosquitto.log");
  EXPECT_NO_THROW(client.sendEvent(Message("signed by my certificate")));
  client.close();

  options.certificateFile = server.cert_file;  // a certificate mosquitto does not trust
  options.privateKeyFile = server.key_file;
  auto stranger = client::DeviceClient::fromConnectionString(cs, options);
  try {
    stranger.open();
    ADD_FAILURE() << "an untrusted client certificate was accepted";
  } catch (const ClientError& e) {
    EXPECT_EQ(e.code(), ErrorCode::transport) << e.what();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace outpost::testing

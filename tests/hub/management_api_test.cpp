// The hub's management API (src/hub/management_api.cpp) called without a socket: requests
// go straight to ManagementApi::handle, responses come back through a callback responder on
// the test's loop. Service tokens are judged by the ManualClock.
#include "management_api.h"

#include <gtest/gtest.h>

#include "hub/hub_test_util.h"
#include "outpost/core/sas_token.h"
#include "outpost/iothub/topics.h"

namespace outpost::hub::testing {
namespace {

using nlohmann::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

const std::string kPolicyKey = test_key('p');

class ManagementApiTest : public EdgeHubTest {
 protected:
  ManagementApiTest() : api_(*hub_, metrics_, kHostname, {{"iothubowner", kPolicyKey, ""}}, clock_) {}

  std::string service_token(const std::string& key = kPolicyKey, const std::string& policy = "iothubowner",
                            const std::string& host = kHostname) const {
    return *build_sas_token(host, key, clock_.unix_seconds() + 600, std::string_view(policy));
  }

  // Sends the request and runs the loop once; the response, if the API answered by then,
  // is in *last_ (a method call answers later, when its target does).
  std::optional<net::HttpResponse> call(ManagementApi& api, const std::string& method, const std::string& path,
                                        const std::string& body, Headers headers) {
    net::HttpRequest r;
    r.method = method;
    r.path = path;
    r.target = path;
    r.body = body;
    r.headers = std::move(headers);
    r.remote_address = "127.0.0.1:40000";
    last_ = std::make_shared<std::optional<net::HttpResponse>>();
    api.handle(std::move(r), net::HttpResponder::to_callback(loop_, [slot = last_](net::HttpResponse response) {
                 *slot = std::move(response);
               }));
    loop_.poll();
    return *last_;
  }
  // With a valid service token.
  std::optional<net::HttpResponse> call(const std::string& method, const std::string& path, const std::string& body = "",
                                        Headers headers = {}) {
    headers.emplace_back("Authorization", service_token());
    return call(api_, method, path, body, std::move(headers));
  }
  int status_without_token(const std::string& token) {
    Headers headers;
    if (!token.empty()) headers.emplace_back("Authorization", token);
    const auto r = call(api_, "GET", "/twins/edge1/modules/A", "", std::move(headers));
    return r ? r->status : 0;
  }
  static json body(const std::optional<net::HttpResponse>& r) {
    return r ? json::parse(r->body, nullptr, false) : json();
  }

  ManagementApi api_;
  std::shared_ptr<std::optional<net::HttpResponse>> last_;
};

TEST_F(ManagementApiTest, MetricsAndHealthNeedNoToken) {
  const auto metrics = call(api_, "GET", "/metrics", "", {});
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->body.find("edgehub_connected_clients"), std::string::npos) << metrics->body;
  const auto health = call(api_, "GET", "/healthz", "", {});
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(ManagementApiTest, EverythingElseNeedsAValidServicePolicyToken) {
  EXPECT_EQ(status_without_token(""), 401);
  EXPECT_EQ(status_without_token(service_token(test_key('x'))), 401) << "forged signature";
  EXPECT_EQ(status_without_token(service_token(kPolicyKey, "someoneelse")), 401) << "unknown policy";
  EXPECT_EQ(status_without_token(service_token(kPolicyKey, "iothubowner", "otherhub.local")), 401) << "other hub";
  // IoT Hub's error shape, which the azure-iothub SDKs parse (UnauthorizedError).
  EXPECT_EQ(body(*last_)["Message"], "ErrorCode:IotHubUnauthorizedAccess;the token is for 'otherhub.local', not "
                                     "for this hub ('myhub.local')");
  EXPECT_EQ(last_->value().headers.back(), (std::pair<std::string, std::string>{"iothub-errorcode",
                                                                                "IotHubUnauthorizedAccess"}));
  const auto token = service_token();
  EXPECT_EQ(status_without_token(token), 200);
  clock_.advance(std::chrono::seconds(600 + 301));
  EXPECT_EQ(status_without_token(token), 401) << "expired by the hub's clock";
}

TEST_F(ManagementApiTest, WithoutPoliciesTheApiIsDisabled) {
  ManagementApi closed(*hub_, metrics_, kHostname, {}, clock_);
  const auto r = call(closed, "GET", "/twins/edge1/modules/A", "", {{"Authorization", service_token()}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_NE(r->body.find("disabled"), std::string::npos) << r->body;
}

TEST_F(ManagementApiTest, TwinsAreReadPatchedAndReplaced) {
  auto a = connect(kModuleA);
  a->subscribe({"$iothub/twin/PATCH/properties/desired/#"});
  const auto patched = call("PATCH", "/twins/edge1/modules/A", R"({"properties":{"desired":{"rate":5}}})");
  ASSERT_TRUE(patched);
  EXPECT_EQ(patched->status, 200) << patched->body;
  EXPECT_EQ(body(patched)["properties"]["desired"]["rate"], 5);
  ASSERT_EQ(a->published().size(), 1u);
  EXPECT_EQ(json::parse(a->published()[0].payload), json::parse(R"({"rate":5,"$version":2})"));
  const auto replaced = call("PUT", "/twins/edge1/modules/A", R"({"properties":{"desired":{"mode":"eco"}}})");
  ASSERT_TRUE(replaced);
  EXPECT_FALSE(body(replaced)["properties"]["desired"].contains("rate"));
  const auto leaf = call("GET", "/twins/leaf1");
  ASSERT_TRUE(leaf);
  EXPECT_EQ(body(leaf)["deviceId"], "leaf1");
}

TEST_F(ManagementApiTest, BadTwinRequestsSayWhatIsWrong) {
  EXPECT_EQ(call("PATCH", "/twins/edge1/modules/A", "not json")->status, 400);
  EXPECT_EQ(call("PATCH", "/twins/edge1/modules/A", R"({"desired":{}})")->status, 400);
  EXPECT_NE(last_->value().body.find("properties.desired"), std::string::npos) << last_->value().body;
  EXPECT_EQ(call("PATCH", "/twins/edge1/modules/A", R"({"properties":{"desired":{"a$b":1}}})")->status, 400);
  EXPECT_EQ(call("DELETE", "/twins/edge1/modules/A")->status, 405);
  EXPECT_EQ(call("GET", "/nothing/here")->status, 404);
}

TEST_F(ManagementApiTest, BodiesNestedTooDeepAreRefusedByName) {
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"PATCH", "/twins/edge1/modules/A"}, {"PUT", "/twins/edge1/modules/A"}, {"POST", "/twins/edge1/modules/A/methods"}}) {
    for (const auto& text : {deep, R"({"properties":{"desired":)" + deep + "}}"}) {
      const auto r = call(method, path, text);
      ASSERT_TRUE(r) << method << " " << path;
      EXPECT_EQ(r->status, 400) << method << " " << path << ": " << r->body;
      EXPECT_NE(r->body.find("nested deeper than 128 levels"), std::string::npos) << method << " " << path << ": " << r->body;
    }
  }
}

TEST_F(ManagementApiTest, FieldsOfTheWrongTypeAreRefusedNotThrown) {
  for (const auto& [method, path, body] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"PATCH", "/twins/edge1/modules/A", R"({"properties":{"desired":5}})"},
           {"PATCH", "/twins/edge1/modules/A", R"({"properties":5})"},
           {"PUT", "/twins/edge1/modules/A", R"([1,2])"},
           {"POST", "/twins/edge1/modules/A/methods", R"({"methodName":5})"},
           {"POST", "/twins/edge1/modules/A/methods", R"({"methodName":"m","responseTimeoutInSeconds":"soon"})"},
           {"POST", "/twins/edge1/modules/A/methods", R"("text")"}}) {
    std::optional<net::HttpResponse> r;
    ASSERT_NO_THROW(r = call(method, path, body)) << method << " " << path << " " << body;
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << method << " " << path << " " << body << ": " << r->body;
  }
}

TEST_F(ManagementApiTest, AMethodCallIsAnsweredWhenTheModuleAnswers) {
  auto a = connect(kModuleA);
  a->subscribe({"$iothub/methods/POST/#"});
  EXPECT_FALSE(call("POST", "/twins/edge1/modules/A/methods",
                    R"({"methodName":"reboot","payload":{"delay":1},"responseTimeoutInSeconds":5})"))
      << "no answer before the module's";
  ASSERT_EQ(a->published().size(), 1u);
  const auto rid = *iothub::query_parameter(a->published()[0].topic, "$rid");
  a->send_publish("$iothub/methods/res/201/?$rid=" + rid, R"({"done":true})", 0);
  loop_.poll();
  ASSERT_TRUE(*last_);
  EXPECT_EQ(last_->value().status, 200);
  EXPECT_EQ(body(*last_), json::parse(R"({"status":201,"payload":{"done":true}})"));
}

TEST_F(ManagementApiTest, AMethodAnswerThatIsNotJsonComesBackAsAString) {
  auto a = connect(kModuleA);
  a->subscribe({"$iothub/methods/POST/#"});
  call("POST", "/twins/edge1/modules/A/methods", R"({"methodName":"echo"})");
  const auto rid = *iothub::query_parameter(a->published()[0].topic, "$rid");
  a->send_publish("$iothub/methods/res/200/?$rid=" + rid, "plain words", 0);
  loop_.poll();
  ASSERT_TRUE(*last_);
  EXPECT_EQ(body(*last_), json::parse(R"({"status":200,"payload":"plain words"})"));
}

TEST_F(ManagementApiTest, MethodRequestsAreValidatedAndAnAbsentTargetIs404) {
  const std::string path = "/twins/edge1/modules/A/methods";
  EXPECT_EQ(call("POST", path, R"({"payload":1})")->status, 400) << "no methodName";
  EXPECT_EQ(call("POST", path, R"({"methodName":"m","responseTimeoutInSeconds":4})")->status, 400);
  EXPECT_EQ(call("POST", path, R"({"methodName":"m","responseTimeoutInSeconds":301})")->status, 400);
  const json big{{"methodName", "m"}, {"payload", std::string(128 * 1024, 'x')}};
  EXPECT_EQ(call("POST", path, big.dump())->status, 413);
  EXPECT_EQ(call("POST", path, R"({"methodName":"m"})")->status, 404) << "A is not connected";
  EXPECT_EQ(call("POST", "/twins/leaf1/methods", R"({"methodName":"m"})")->status, 404);
}

TEST_F(ManagementApiTest, AModuleMayInvokeMethodsWithItsOwnTokenAndNothingElse) {
  auto b = connect(kModuleB);
  b->subscribe({"$iothub/methods/POST/#"});
  const auto a_token =
      *build_sas_token(device_resource_uri(kHostname, "edge1", std::string("A")), kModuleA.key, clock_.unix_seconds() + 60);
  const Headers as_a{{"x-ms-edge-moduleId", "edge1/A"}, {"Authorization", a_token}};
  EXPECT_FALSE(call(api_, "POST", "/twins/edge1/modules/B/methods", R"({"methodName":"ping"})", as_a));
  ASSERT_EQ(b->published().size(), 1u);
  EXPECT_EQ(b->published()[0].topic.rfind("$iothub/methods/POST/ping/", 0), 0u);

  const Headers as_b_with_a_token{{"x-ms-edge-moduleId", "edge1/B"}, {"Authorization", a_token}};
  EXPECT_EQ(call(api_, "POST", "/twins/edge1/modules/B/methods", R"({"methodName":"ping"})", as_b_with_a_token)->status,
            401);
  EXPECT_EQ(call(api_, "GET", "/twins/edge1/modules/B", "", as_a)->status, 401) << "modules may only invoke methods";
  EXPECT_EQ(b->published().size(), 1u);
}

// Only modules of this edge device may use the module API, as with IoT Edge.
TEST_F(ManagementApiTest, ALeafDeviceCannotInvokeMethodsThroughTheModuleApi) {
  auto a = connect(kModuleA);
  a->subscribe({"$iothub/methods/POST/#"});
  const auto leaf_token = *build_sas_token(device_resource_uri(kHostname, "leaf1"), kLeaf.key, clock_.unix_seconds() + 60);
  const auto r = call(api_, "POST", "/twins/edge1/modules/A/methods", R"({"methodName":"reboot"})",
                      {{"x-ms-edge-moduleId", "leaf1"}, {"Authorization", leaf_token}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(body(r)["Message"],
            "ErrorCode:IotHubUnauthorizedAccess;x-ms-edge-moduleId 'leaf1' names a device; only modules of 'edge1' may "
            "invoke methods through the module API");
  // Nor as a module of another device, with that device's own token.
  EXPECT_EQ(call(api_, "POST", "/twins/edge1/modules/A/methods", R"({"methodName":"reboot"})",
                 {{"x-ms-edge-moduleId", "leaf1/x"}, {"Authorization", leaf_token}})
                ->status,
            401);
  EXPECT_TRUE(a->published().empty()) << "the method must not reach A";
}

// A service token whose sr names one device is held to that device and its modules.
TEST_F(ManagementApiTest, ADeviceScopedServiceTokenReachesOnlyThatDevice) {
  const auto leaf_only = service_token(kPolicyKey, "iothubowner", std::string(kHostname) + "/devices/leaf1");
  const Headers auth{{"Authorization", leaf_only}};
  EXPECT_EQ(call(api_, "GET", "/twins/leaf1", "", auth)->status, 200);
  EXPECT_EQ(call(api_, "PATCH", "/twins/leaf1", R"({"properties":{"desired":{"x":1}}})", auth)->status, 200);
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/twins/edge1/modules/A"}, {"PATCH", "/twins/leaf2"}, {"POST", "/twins/edge1/modules/A/methods"},
           {"POST", "/devices/leaf2/messages/devicebound"}, {"GET", "/status"}}) {
    const auto r = call(api_, method, path, R"({"methodName":"m"})", auth);
    ASSERT_TRUE(r) << method << " " << path;
    EXPECT_EQ(r->status, 401) << method << " " << path;
    EXPECT_NE(r->body.find("the token is scoped to 'myhub.local/devices/leaf1', which does not cover"),
              std::string::npos)
        << r->body;
  }
  EXPECT_EQ(body(call("GET", "/twins/leaf2"))["deviceId"], "leaf2") << "a hub-wide token still reaches leaf2";
}

// Twins, methods and C2D exist only for identities the hub knows; nothing is stored for others.
TEST_F(ManagementApiTest, UnknownIdentitiesAreNotFoundAndNothingIsStoredForThem) {
  const auto ghost = call("GET", "/twins/ghost");
  ASSERT_TRUE(ghost);
  EXPECT_EQ(ghost->status, 404);
  EXPECT_EQ(body(ghost)["Message"], "ErrorCode:DeviceNotFound;Device 'ghost' was not found");
  const auto patch = call("PATCH", "/twins/edge1/modules/ghost", R"({"properties":{"desired":{"x":1}}})");
  ASSERT_TRUE(patch);
  EXPECT_EQ(patch->status, 404);
  EXPECT_EQ(body(patch)["Message"], "ErrorCode:ModuleNotFound;Module 'ghost' was not found on device 'edge1'");
  EXPECT_FALSE(kv_->get("twins", "edge1/ghost").value_or(std::nullopt)) << "desired properties were stored for an unknown module";
  EXPECT_EQ(call("PUT", "/twins/ghost", R"({"properties":{"desired":{}}})")->status, 404);
  EXPECT_EQ(body(call("POST", "/twins/ghost/methods", R"({"methodName":"m"})"))["Message"],
            "ErrorCode:DeviceNotFound;Device 'ghost' was not found");
  EXPECT_EQ(call("POST", "/devices/ghost/messages/devicebound", "x")->status, 404);
  // The hub's own modules are known without an identities entry.
  for (const auto* own : {"/twins/edge1/modules/$edgeHub", "/twins/edge1/modules/$edgeAgent"})
    EXPECT_EQ(call("GET", own)->status, 200) << own;
}

// IoT Hub's whole C2D header mapping; a message already expired is dropped, not relayed.
TEST_F(ManagementApiTest, CloudToDeviceHeadersMapAsIoTHubsAndExpiredMessagesAreDropped) {
  auto leaf = connect(kLeaf);
  leaf->subscribe({"devices/leaf1/messages/devicebound/#"});
  const Headers headers{{"iothub-userid", "ops"},
                        {"iothub-ack", "full"},
                        {"Content-Encoding", "utf-8"},
                        {"iothub-expiry", format_iso8601(clock_.now() + std::chrono::hours(1))}};
  EXPECT_EQ(call("POST", "/devices/leaf1/messages/devicebound", "valve", headers)->status, 204);
  ASSERT_EQ(leaf->published().size(), 1u);
  for (const auto* part : {"%24.uid=ops", "ack=full", "%24.ce=utf-8", "%24.exp="})
    EXPECT_NE(leaf->published()[0].topic.find(part), std::string::npos) << part << " missing from "
                                                                         << leaf->published()[0].topic;
  const auto late = call("POST", "/devices/leaf1/messages/devicebound", "too late",
                         {{"iothub-expiry", format_iso8601(clock_.now() - std::chrono::seconds(1))}});
  ASSERT_TRUE(late);
  EXPECT_EQ(late->status, 400);
  EXPECT_NE(late->body.find("expired"), std::string::npos) << late->body;
  EXPECT_EQ(dropped("ttl_expiry", "$c2d"), 1);
  EXPECT_EQ(call("POST", "/devices/leaf1/messages/devicebound", "x", {{"iothub-expiry", "soon"}})->status, 400);
  EXPECT_EQ(call("POST", "/devices/leaf1/messages/devicebound", std::string(64 * 1024 + 1, 'x'))->status, 413);
  EXPECT_EQ(leaf->published().size(), 1u);
}

// connectTimeoutInSeconds: the call waits for its target to connect and subscribe.
TEST_F(ManagementApiTest, AMethodCallWaitsForItsTargetToConnect) {
  EXPECT_FALSE(call("POST", "/twins/edge1/modules/A/methods",
                    R"({"methodName":"wake","responseTimeoutInSeconds":10,"connectTimeoutInSeconds":20})"))
      << "A is not connected yet: the call waits";
  auto a = connect(kModuleA);
  a->subscribe({"$iothub/methods/POST/#"});
  loop_.poll();
  ASSERT_EQ(a->published().size(), 1u) << "the waiting call goes out once A subscribes";
  const auto rid = *iothub::query_parameter(a->published()[0].topic, "$rid");
  a->send_publish("$iothub/methods/res/200/?$rid=" + rid, R"("awake")", 0);
  loop_.poll();
  ASSERT_TRUE(*last_);
  EXPECT_EQ(body(*last_), json::parse(R"({"status":200,"payload":"awake"})"));
}

TEST_F(ManagementApiTest, CloudToDeviceMessagesGoToAConnectedLeafDevice) {
  const Headers props{{"iothub-messageid", "c2d-1"}, {"iothub-correlationid", "corr"}, {"iothub-app-colour", "blue"},
                      {"Content-Type", "text/plain"}};
  EXPECT_EQ(call("POST", "/devices/leaf1/messages/devicebound", "open the valve", props)->status, 404);
  auto leaf = connect(kLeaf);
  leaf->subscribe({"devices/leaf1/messages/devicebound/#"});
  const auto r = call("POST", "/devices/leaf1/messages/devicebound", "open the valve", props);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204) << r->body;
  ASSERT_EQ(leaf->published().size(), 1u);
  const auto& p = leaf->published()[0];
  EXPECT_EQ(p.payload, "open the valve");
  for (const auto* part : {"%24.mid=c2d-1", "%24.cid=corr", "colour=blue", "%24.ct=text%2Fplain"})
    EXPECT_NE(p.topic.find(part), std::string::npos) << part << " missing from " << p.topic;
}

TEST_F(ManagementApiTest, StatusListsClientsAndQueues) {
  apply_routes({{"AtoB", R"(FROM /messages/modules/A/* INTO BrokeredEndpoint("/modules/B/inputs/in1"))"}});
  connect(kModuleA)->send_publish(telemetry_topic(kModuleA), "x", 1);
  const auto r = call("GET", "/status");
  ASSERT_TRUE(r);
  EXPECT_EQ(body(r)["connectedClients"], json::parse(R"(["edge1/A"])"));
  EXPECT_EQ(body(r)["upstream"], "standalone");
  EXPECT_EQ(body(r)["queues"], json::parse(R"([{"name":"edge1/B/in1_Pri2000000000","length":1}])"));
}

}  // namespace
}  // namespace outpost::hub::testing

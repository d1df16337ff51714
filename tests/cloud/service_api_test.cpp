// The service REST API driven in-process (no sockets): authorization by policy rights,
// IoT Hub's error shape and ETags, devices, twins, queries with paging, configurations,
// cloud-to-device messages, the device-scope API and the events page.
#include <gtest/gtest.h>

#include <fstream>
#include <future>

#include "cloud.h"
#include "cloud_config.h"
#include "ids.h"
#include "cloud_test_util.h"
#include "outpost/core/config.h"
#include "outpost/core/file_io.h"
#include "outpost/core/sas_token.h"
#include "outpost/net/tls.h"
#include "support/test_certificates.h"

namespace outpost::cloud {
namespace {

using nlohmann::json;
constexpr const char* kApiHost = "api.test";

class ServiceApiTest : public ::testing::Test {
 protected:
  ServiceApiTest() {
    CloudSettings s;
    s.hostname = kApiHost;
    s.storage_folder = dir.path();
    s.policies = {{"iothubowner", owner_key, "", rights::kAll}, {"reader", reader_key, "", rights::kRegistryRead}};
    // The events tests store telemetry stamped in 2023: an age limit would let the log's
    // retention pass (first run whenever its thread gets the CPU) delete it mid-test.
    s.retention.max_age_ms = 0;
    cloud = std::make_unique<Cloud>(loop, s);
  }

  std::string policy_token(const std::string& policy, const std::string& key) {
    return *build_sas_token(kApiHost, key, SystemClock::instance().unix_seconds() + 600, std::string_view(policy));
  }

  net::HttpResponse call(const std::string& method, const std::string& path, const json& body = nullptr,
                         std::vector<std::pair<std::string, std::string>> headers = {},
                         std::optional<std::string> token = std::nullopt) {
    net::HttpRequest r;
    r.method = method;
    const auto q = path.find('?');
    r.path = path.substr(0, q);
    r.target = path;
    if (q != std::string::npos) {
      std::string query = path.substr(q + 1);
      std::size_t start = 0;
      while (start < query.size()) {
        auto amp = query.find('&', start);
        if (amp == std::string::npos) amp = query.size();
        const auto item = query.substr(start, amp - start);
        const auto eq = item.find('=');
        r.query[item.substr(0, eq)] = eq == std::string::npos ? "" : item.substr(eq + 1);
        start = amp + 1;
      }
    }
    if (!body.is_null()) r.body = body.is_string() ? body.get<std::string>() : body.dump();
    r.headers = std::move(headers);
    r.client_certificate = presented;  // X.509: no Authorization header unless a token is given
    if (token || !presented) r.headers.emplace_back("Authorization", token.value_or(policy_token("iothubowner", owner_key)));
    std::optional<net::HttpResponse> out;
    cloud->api().handle(r, [&](net::HttpResponse response) { out = std::move(response); });
    EXPECT_TRUE(out.has_value()) << method << " " << path << " did not answer synchronously";
    return out.value_or(net::HttpResponse{});
  }

  std::shared_ptr<const net::ClientCertificate> presented;

  static json body(const net::HttpResponse& r) { return json::parse(r.body, nullptr, false); }
  static std::string header(const net::HttpResponse& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
      if (k == name) return v;
    return {};
  }

  testing::TempDir dir;
  net::EventLoop loop;
  std::string owner_key = generate_key();
  std::string reader_key = generate_key();
  std::unique_ptr<Cloud> cloud;
};

TEST_F(ServiceApiTest, AuthorizationNeedsAValidPolicyTokenWithTheRights) {
  EXPECT_EQ(call("GET", "/devices", nullptr, {}, std::string("")).status, 401);
  EXPECT_EQ(call("GET", "/devices", nullptr, {}, policy_token("iothubowner", generate_key())).status, 401);
  EXPECT_EQ(call("GET", "/devices", nullptr, {}, policy_token("nobody", owner_key)).status, 401);
  const auto wrong_host =
      *build_sas_token("other.host", owner_key, SystemClock::instance().unix_seconds() + 600, std::string_view("iothubowner"));
  EXPECT_EQ(call("GET", "/devices", nullptr, {}, wrong_host).status, 401);
  EXPECT_EQ(call("GET", "/devices", nullptr, {}, policy_token("reader", reader_key)).status, 200);
  const auto denied = call("PUT", "/devices/d1", json::object(), {}, policy_token("reader", reader_key));
  EXPECT_EQ(denied.status, 401);
  EXPECT_NE(body(denied)["Message"].get<std::string>().find("ErrorCode:IotHubUnauthorizedAccess;"), std::string::npos);
  // The first start created IoT Hub's default policies too.
  EXPECT_TRUE(cloud->storage().get_policy("service").has_value());
  EXPECT_TRUE(cloud->storage().get_policy("registryReadWrite").has_value());
  EXPECT_EQ(cloud->connection_string("iothubowner").value(),
            "HostName=api.test;SharedAccessKeyName=iothubowner;SharedAccessKey=" + owner_key);
}

// How outpostd (as IoT Edge's identity service) keeps its module identities: with the edge
// device's own key, on its own modules only.
TEST_F(ServiceApiTest, AnEdgeDeviceManagesItsOwnModuleIdentitiesWithItsOwnToken) {
  const auto key = generate_key();
  const json sas{{"type", "sas"}, {"symmetricKey", {{"primaryKey", key}, {"secondaryKey", key}}}};
  ASSERT_EQ(call("PUT", "/devices/edge1", json{{"capabilities", {{"iotEdge", true}}}, {"authentication", sas}}).status, 200);
  ASSERT_EQ(call("PUT", "/devices/leaf1", json{{"authentication", sas}}).status, 200);
  ASSERT_EQ(call("PUT", "/devices/edge2", json{{"capabilities", {{"iotEdge", true}}}}).status, 200);
  const auto token_of = [&](const std::string& device) {
    return *build_sas_token(std::string(kApiHost) + "/devices/" + device, key, SystemClock::instance().unix_seconds() + 600);
  };
  const auto edge = token_of("edge1");
  const auto created = call("PUT", "/devices/edge1/modules/filter", json{{"managedBy", "IotEdge"}}, {}, edge);
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_FALSE(body(created)["generationId"].get<std::string>().empty());
  EXPECT_EQ(call("GET", "/devices/edge1/modules/filter", nullptr, {}, edge).status, 200);
  EXPECT_EQ(call("GET", "/devices/edge1/modules", nullptr, {}, edge).status, 200);
  EXPECT_EQ(call("PUT", "/devices/edge1/modules/filter", json{{"authentication", sas}}, {{"If-Match", "*"}}, edge).status, 200);
  EXPECT_EQ(call("DELETE", "/devices/edge1/modules/filter", nullptr, {{"If-Match", "*"}}, edge).status, 204);
  // Not another device's modules, not the device itself, and not as a device that is no edge.
  EXPECT_EQ(call("PUT", "/devices/edge2/modules/x", json::object(), {}, edge).status, 401);
  EXPECT_EQ(call("PUT", "/devices/edge1", json::object(), {}, edge).status, 401);
  EXPECT_EQ(call("PUT", "/devices/leaf1/modules/x", json::object(), {}, token_of("leaf1")).status, 401);
  EXPECT_EQ(call("PUT", "/devices/edge1/modules/x", json::object(), {},
                 *build_sas_token(std::string(kApiHost) + "/devices/edge1", generate_key(), SystemClock::instance().unix_seconds() + 600))
                .status,
            401)
      << "a token signed with another key";
}

TEST_F(ServiceApiTest, AnX509EdgeDeviceManagesItsModuleIdentitiesWithItsClientCertificate) {
  const auto made = outpost::testing::write_ca_certificate(dir.path().string(), "edge1", "edge1");
  const auto edge_cert = net::describe_certificate_pem(*read_whole_file(made.cert_file));
  ASSERT_TRUE(edge_cert) << edge_cert.error();
  const json x509{{"type", "selfSigned"}, {"x509Thumbprint", {{"primaryThumbprint", edge_cert->sha1_thumbprint}}}};
  ASSERT_EQ(call("PUT", "/devices/edge1", json{{"capabilities", {{"iotEdge", true}}}, {"authentication", x509}}).status, 200);
  const auto leaf = outpost::testing::write_ca_certificate(dir.path().string(), "leaf1", "leaf1");
  const auto leaf_cert = net::describe_certificate_pem(*read_whole_file(leaf.cert_file));
  ASSERT_TRUE(leaf_cert) << leaf_cert.error();
  ASSERT_EQ(call("PUT", "/devices/leaf1", json{{"authentication", {{"type", "selfSigned"}, {"x509Thumbprint", {{"primaryThumbprint", leaf_cert->sha1_thumbprint}}}}}}).status, 200);
  presented = std::make_shared<const net::ClientCertificate>(*edge_cert);
  const auto created = call("PUT", "/devices/edge1/modules/filter", json{{"managedBy", "IotEdge"}});
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(call("GET", "/devices/edge1/modules/filter").status, 200);
  EXPECT_EQ(call("DELETE", "/devices/edge1/modules/filter", nullptr, {{"If-Match", "*"}}).status, 204);
  // Only its own modules, not the device itself; a device that is no edge manages none.
  const auto other = call("PUT", "/devices/leaf1/modules/x", json::object());
  EXPECT_EQ(other.status, 401);
  EXPECT_NE(other.body.find("X.509: the client certificate's thumbprint"), std::string::npos) << other.body;
  EXPECT_EQ(call("PUT", "/devices/edge1", json::object()).status, 401);
  presented = std::make_shared<const net::ClientCertificate>(*leaf_cert);
  const auto not_edge = call("PUT", "/devices/leaf1/modules/x", json::object());
  EXPECT_EQ(not_edge.status, 401);
  EXPECT_NE(not_edge.body.find("device 'leaf1' is not an edge device"), std::string::npos) << not_edge.body;
}

TEST_F(ServiceApiTest, ADeviceScopedTokenReachesOnlyThatDevice) {
  for (const auto* d : {"d1", "d2"}) ASSERT_EQ(call("PUT", std::string("/devices/") + d, json::object()).status, 200);
  ASSERT_EQ(call("PUT", "/devices/d1/modules/m1", json::object()).status, 200);
  const auto d1 = *build_sas_token(std::string(kApiHost) + "/devices/d1", owner_key,
                                   SystemClock::instance().unix_seconds() + 600, std::string_view("iothubowner"));
  EXPECT_EQ(call("GET", "/twins/d1", nullptr, {}, d1).status, 200);
  EXPECT_EQ(call("PATCH", "/twins/d1", json{{"properties", {{"desired", {{"x", 1}}}}}}, {}, d1).status, 200);
  EXPECT_EQ(call("GET", "/devices/d1", nullptr, {}, d1).status, 200);
  EXPECT_EQ(call("GET", "/twins/d1/modules/m1", nullptr, {}, d1).status, 200);
  EXPECT_EQ(call("POST", "/devices/d1/messages/devicebound", std::string("hi"), {}, d1).status, 202);
  // Other devices and hub-wide operations: 401, naming the scope.
  const std::vector<std::pair<std::string, std::string>> refused{
      {"GET", "/twins/d2"},         {"PATCH", "/twins/d2"},       {"GET", "/devices/d2"},
      {"PUT", "/devices/d3"},       {"GET", "/devices"},          {"POST", "/devices/query"},
      {"GET", "/configurations"},   {"GET", "/statistics/devices"}, {"GET", "/events"},
      {"POST", "/twins/d2/methods"}, {"POST", "/devices/d2/messages/devicebound"}};
  for (const auto& [method, path] : refused) {
    const auto r = call(method, path, method == "GET" ? json(nullptr) : json::object(), {}, d1);
    EXPECT_EQ(r.status, 401) << method << " " << path << ": " << r.body;
    EXPECT_EQ(body(r)["Message"].get<std::string>().rfind(
                  "ErrorCode:IotHubUnauthorizedAccess;the token is scoped to 'api.test/devices/d1', which does not "
                  "cover",
                  0),
              0u)
        << r.body;
  }
  EXPECT_FALSE(body(call("GET", "/twins/d2")).contains("Message")) << "a hub-wide token still reaches d2";
}

TEST_F(ServiceApiTest, CloudToDeviceHeadersBecomeTheMessagesProperties) {
  ASSERT_EQ(call("PUT", "/devices/d1", json::object()).status, 200);
  const auto sent = call("POST", "/devices/d1/messages/devicebound", std::string("open"),
                         {{"iothub-messageid", "m1"}, {"iothub-correlationid", "c1"}, {"iothub-userid", "ops"},
                          {"iothub-ack", "full"}, {"Content-Type", "text/plain"}, {"Content-Encoding", "utf-8"},
                          {"iothub-expiry", "2100-01-01T00:00:00Z"}, {"iothub-app-colour", "blue"}});
  ASSERT_EQ(sent.status, 202) << sent.body;
  const auto queued = cloud->c2d().next("d1", 0, 10);
  ASSERT_EQ(queued.size(), 1u);
  // The mapping itself is iothub's (c2d_headers_test); here: it reaches the queue whole.
  const auto& m = queued[0].message;
  EXPECT_EQ(m.body, "open");
  EXPECT_EQ(m.system.size(), 8u);  // the seven headers and $.to
  EXPECT_EQ(m.application.get("colour"), "blue");
  EXPECT_EQ(queued[0].expiry_ms, 4102444800000);
  const auto big = call("POST", "/devices/d1/messages/devicebound", std::string(64 * 1024 + 1, 'x'));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(call("POST", "/devices/d1/messages/devicebound", std::string("late"),
                 {{"iothub-expiry", "2001-01-01T00:00:00Z"}}).status, 400);
}

TEST_F(ServiceApiTest, DevicesWithETagsAndIoTHubErrors) {
  const auto created = call("PUT", "/devices/d1?api-version=2021-04-12", json{{"deviceId", "d1"}});
  ASSERT_EQ(created.status, 200) << created.body;
  const auto etag = body(created)["etag"].get<std::string>();
  EXPECT_EQ(header(created, "ETag"), "\"" + etag + "\"");
  EXPECT_EQ(body(created)["connectionState"], "Disconnected");

  const auto conflict = call("PUT", "/devices/d1", json::object());
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(body(conflict)["Message"].get<std::string>().rfind("ErrorCode:DeviceAlreadyExists;", 0), 0u);
  EXPECT_TRUE(body(conflict)["ExceptionMessage"].get<std::string>().rfind("Tracking ID:", 0) == 0);

  EXPECT_EQ(call("PUT", "/devices/d1", json{{"status", "disabled"}}, {{"If-Match", "\"stale\""}}).status, 412);
  EXPECT_EQ(call("PUT", "/devices/d1", json{{"status", "disabled"}}, {{"If-Match", "\"" + etag + "\""}}).status, 200);
  EXPECT_EQ(call("GET", "/devices/d1").status, 200);
  EXPECT_EQ(call("GET", "/devices/nope").status, 404);
  EXPECT_EQ(call("PUT", "/devices/d2", std::string("{not json")).status, 400);
  EXPECT_EQ(call("GET", "/devices/d1/modules").status, 200);
  EXPECT_EQ(call("PUT", "/devices/d1/modules/m1", json::object()).status, 200);
  EXPECT_EQ(call("GET", "/devices/d1/modules/m1").status, 200);
  EXPECT_EQ(call("DELETE", "/devices/d1/modules/m1", nullptr, {{"If-Match", "*"}}).status, 204);
  EXPECT_EQ(call("DELETE", "/devices/d1").status, 204);
  EXPECT_EQ(call("GET", "/devices/d1").status, 404);
  EXPECT_EQ(call("GET", "/nothing").status, 404);
}

TEST_F(ServiceApiTest, TwinsQueriesAndPaging) {
  for (int i = 0; i < 5; ++i) ASSERT_EQ(call("PUT", "/devices/d" + std::to_string(i), json::object()).status, 200);
  const auto patched = call("PATCH", "/twins/d3", json{{"tags", {{"env", "prod"}}}, {"properties", {{"desired", {{"x", 1}}}}}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(body(patched)["properties"]["desired"]["x"], 1);
  const auto etag = body(patched)["etag"].get<std::string>();
  EXPECT_EQ(call("PATCH", "/twins/d3", json{{"tags", {{"env", "dev"}}}}, {{"If-Match", "\"AAAAAAAAAAE=\""}}).status, 412);
  EXPECT_EQ(call("PATCH", "/twins/d3", json{{"tags", {{"env", "prod"}}}}, {{"If-Match", "\"" + etag + "\""}}).status, 200);

  const auto q = call("POST", "/devices/query", json{{"query", "SELECT * FROM devices WHERE tags.env = 'prod'"}});
  ASSERT_EQ(q.status, 200) << q.body;
  ASSERT_EQ(body(q).size(), 1u);
  EXPECT_EQ(body(q)[0]["deviceId"], "d3");

  // Pages of two, following x-ms-continuation.
  std::vector<std::string> seen;
  std::string continuation;
  for (int page = 0; page < 5; ++page) {
    std::vector<std::pair<std::string, std::string>> h{{"x-ms-max-item-count", "2"}};
    if (!continuation.empty()) h.emplace_back("x-ms-continuation", continuation);
    const auto r = call("POST", "/devices/query", json{{"query", "SELECT deviceId FROM devices"}}, h);
    ASSERT_EQ(r.status, 200);
    const auto rows = body(r);
    for (const auto& row : rows) seen.push_back(row["deviceId"]);
    continuation = header(r, "x-ms-continuation");
    if (continuation.empty()) break;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"d0", "d1", "d2", "d3", "d4"}));
  const auto bad = call("POST", "/devices/query", json{{"query", "SELECT * FROM nowhere"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(body(bad)["Message"].get<std::string>().find("at "), std::string::npos);
}

TEST_F(ServiceApiTest, ConfigurationsApplyToEdgeDevices) {
  ASSERT_EQ(call("PUT", "/devices/edge1", json{{"capabilities", {{"iotEdge", true}}}}).status, 200);
  ASSERT_EQ(call("PATCH", "/twins/edge1", json{{"tags", {{"env", "prod"}}}}).status, 200);
  const json config{{"id", "base"},
                    {"targetCondition", "tags.env = 'prod'"},
                    {"priority", 1},
                    {"content",
                     {{"modulesContent",
                       {{"$edgeAgent", {{"properties.desired", {{"schemaVersion", "1.1"}}}}},
                        {"$edgeHub", {{"properties.desired", {{"routes", {{"r", "FROM /* INTO $upstream"}}}}}}}}}}}};
  const auto put = call("PUT", "/configurations/base", config);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(body(put)["systemMetrics"]["results"]["appliedCount"], 1);
  const auto hub_twin = call("GET", "/twins/edge1/modules/$edgeHub");
  EXPECT_EQ(body(hub_twin)["properties"]["desired"]["routes"]["r"], "FROM /* INTO $upstream");
  // The device twin names the deployments applied to it, as IoT Hub's does (the dashboard shows it).
  EXPECT_EQ(body(call("GET", "/twins/edge1"))["configurations"], (json{{"base", {{"status", "Applied"}}}}));
  EXPECT_FALSE(body(hub_twin).contains("configurations"));
  EXPECT_EQ(body(call("GET", "/configurations")).size(), 1u);
  EXPECT_EQ(call("DELETE", "/configurations/base").status, 204);
  EXPECT_FALSE(body(call("GET", "/twins/edge1")).contains("configurations"));
  EXPECT_EQ(call("GET", "/configurations/base").status, 404);
  const auto applied = call("POST", "/devices/edge1/applyConfigurationContent",
                            json{{"modulesContent", {{"$edgeAgent", {{"properties.desired", {{"direct", true}}}}}}}});
  EXPECT_EQ(applied.status, 204) << applied.body;
  EXPECT_EQ(body(call("GET", "/twins/edge1/modules/$edgeAgent"))["properties"]["desired"]["direct"], true);
}

TEST_F(ServiceApiTest, CloudToDeviceQueueLimits) {
  ASSERT_EQ(call("PUT", "/devices/d1", json::object()).status, 200);
  for (int i = 0; i < 50; ++i) {
    const auto r = call("POST", "/devices/d1/messages/devicebound", std::string("hi"),
                        {{"iothub-messageid", "m" + std::to_string(i)}, {"iothub-app-k", "v"}});
    ASSERT_EQ(r.status, 202) << r.body;
  }
  const auto full = call("POST", "/devices/d1/messages/devicebound", std::string("hi"));
  EXPECT_EQ(full.status, 403);
  EXPECT_EQ(body(call("GET", "/devices/d1"))["cloudToDeviceMessageCount"], 50);
  EXPECT_EQ(call("POST", "/devices/ghost/messages/devicebound", std::string("hi")).status, 404);
  EXPECT_EQ(call("POST", "/devices/d1/messages/devicebound", std::string("x"), {{"iothub-expiry", "soon"}}).status, 400);
}

TEST_F(ServiceApiTest, DeviceScopeApiForTheEdgeHub) {
  ASSERT_EQ(call("PUT", "/devices/edge1", json{{"capabilities", {{"iotEdge", true}}}}).status, 200);
  const auto scope = cloud->storage().get_device("edge1")->device_scope;
  ASSERT_EQ(call("PUT", "/devices/leaf1", json{{"deviceScope", scope}}).status, 200);
  ASSERT_EQ(call("PUT", "/devices/loner", json::object()).status, 200);
  ASSERT_EQ(call("PUT", "/devices/edge1/modules/modA", json::object()).status, 200);
  const auto hub_key = cloud->storage().get_module("edge1", "$edgeHub")->authentication.keys.primary;
  const auto hub_token = *build_sas_token(device_resource_uri(kApiHost, "edge1", std::string("$edgeHub")), hub_key,
                                          SystemClock::instance().unix_seconds() + 600);
  const std::string path = "/devices/edge1/modules/$edgeHub/devicesAndModulesInTargetDeviceScope?api-version=2020-06-30-preview";
  const auto r = call("POST", path, json{{"pageSize", 100}, {"authChain", "edge1"}}, {}, hub_token);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto doc = body(r);
  std::vector<std::string> devices, modules;
  for (const auto& d : doc["devices"]) devices.push_back(d["deviceId"]);
  for (const auto& m : doc["modules"]) modules.push_back(m["moduleId"]);
  EXPECT_EQ(devices, (std::vector<std::string>{"edge1", "leaf1"}));
  EXPECT_EQ(modules, (std::vector<std::string>{"$edgeAgent", "$edgeHub", "modA"}));
  EXPECT_TRUE(body(r)["continuationLink"].is_null());
  EXPECT_FALSE(body(r)["devices"][1]["authentication"]["symmetricKey"]["primaryKey"].get<std::string>().empty());

  // Pages of two.
  const auto p1 = call("POST", path, json{{"pageSize", 2}, {"authChain", "edge1"}}, {}, hub_token);
  ASSERT_EQ(p1.status, 200);
  const auto link = body(p1)["continuationLink"];
  ASSERT_TRUE(link.is_string());
  const auto p2 = call("POST", path, json{{"pageSize", 2}, {"authChain", "edge1"}, {"continuationLink", link}}, {}, hub_token);
  EXPECT_EQ(body(p2)["modules"].size(), 2u);

  // Only the edge's own $edgeHub token, and only chains that end with the edge.
  EXPECT_EQ(call("POST", path, json{{"authChain", "edge1"}}).status, 401);
  EXPECT_EQ(call("POST", path, json{{"authChain", "other;edge1"}}, {}, hub_token).status, 401);
  EXPECT_EQ(call("POST", path, json{{"authChain", "edge2"}}, {}, hub_token).status, 401);
  const auto one = call("POST", "/devices/edge1/modules/$edgeHub/getDeviceAndModuleOnBehalfOf",
                        json{{"targetDeviceId", "leaf1"}, {"authChain", "leaf1;edge1"}}, {}, hub_token);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(body(one)["devices"][0]["deviceId"], "leaf1");
  EXPECT_EQ(call("POST", "/devices/edge1/modules/$edgeHub/getDeviceAndModuleOnBehalfOf",
                 json{{"targetDeviceId", "loner"}, {"authChain", "loner;edge1"}}, {}, hub_token).status, 401);
}

TEST_F(ServiceApiTest, EventsPageReadsStoredTelemetry) {
  for (int i = 0; i < 3; ++i) {
    TelemetryEvent e;
    e.device_id = i == 1 ? "b" : "a";
    e.enqueued_ms = 1'700'000'000'000 + i;
    e.message.body = i == 2 ? std::string("\xff\xfe", 2) : R"({"n":)" + std::to_string(i) + "}";
    e.message.system.set(std::string(sysprop::kCorrelationId), "c");
    std::vector<TelemetryEvent> batch{e};
    cloud->telemetry().append(std::move(batch), nullptr);
  }
  cloud->telemetry().flush();
  const auto page = call("GET", "/events?from=start&deviceId=a");
  ASSERT_EQ(page.status, 200) << page.body;
  const auto events = body(page)["events"];
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["body"]["n"], 0);
  EXPECT_EQ(events[0]["systemProperties"]["correlationId"], "c");
  EXPECT_EQ(events[1]["bodyEncoding"], "base64");
  EXPECT_EQ(body(page)["next"], 4);
  EXPECT_EQ(body(call("GET", "/events?from=2023-11-14T22:13:20.001Z"))["events"].size(), 2u);
  EXPECT_EQ(call("GET", "/events?from=tomorrow").status, 400);
  EXPECT_EQ(call("GET", "/events?limit=0").status, 400);
  EXPECT_EQ(call("GET", "/events", nullptr, {}, policy_token("reader", reader_key)).status, 401);
}

// A body nested 100,000 deep is refused with a 400 that names the limit, at every entry point
// that reads JSON; a stored telemetry body that deep reads back as a string.
TEST_F(ServiceApiTest, BodiesNestedTooDeepAreRefusedByName) {
  ASSERT_EQ(call("PUT", "/devices/d1", json::object()).status, 200);
  ASSERT_EQ(call("PUT", "/devices/edge1", json{{"capabilities", {{"iotEdge", true}}}}).status, 200);
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  const std::string deep_object = R"({"properties":{"desired":)" + deep + "}}";
  const std::vector<std::pair<std::string, std::string>> entry_points{
      {"PUT", "/devices/d2"},
      {"PATCH", "/twins/d1"},
      {"PUT", "/twins/d1"},
      {"POST", "/twins/d1/methods"},
      {"PUT", "/configurations/deep"},
      {"POST", "/devices/query"},
      {"POST", "/devices/edge1/applyConfigurationContent"},
  };
  for (const auto& [method, path] : entry_points) {
    for (const auto& text : {deep, deep_object}) {
      const auto r = call(method, path, text);
      EXPECT_EQ(r.status, 400) << method << " " << path << ": " << r.body;
      EXPECT_NE(r.body.find("nested deeper than 128 levels"), std::string::npos) << method << " " << path << ": " << r.body;
    }
  }
  EXPECT_EQ(body(call("GET", "/twins/d1"))["properties"]["desired"].size(), 1u) << "the twin is unchanged";

  TelemetryEvent e;
  e.device_id = "d1";
  e.enqueued_ms = 1'700'000'000'000;
  e.message.body = deep;
  std::vector<TelemetryEvent> batch{e};
  cloud->telemetry().append(std::move(batch), nullptr);
  cloud->telemetry().flush();
  const auto page = call("GET", "/events?from=start");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(body(page)["events"][0]["body"], deep);
}

// A field of the wrong type is a 400, never an exception out of the API (it would stop the cloud).
TEST_F(ServiceApiTest, FieldsOfTheWrongTypeAreRefusedNotThrown) {
  ASSERT_EQ(call("PUT", "/devices/edge1", json{{"capabilities", {{"iotEdge", true}}}}).status, 200);
  const std::vector<std::tuple<std::string, std::string, json>> requests{
      {"PUT", "/devices/d1", json{{"capabilities", {{"iotEdge", "yes"}}}}},
      {"PUT", "/devices/d2", json{{"capabilities", 5}}},
      {"PUT", "/devices/d3", json{{"status", 5}}},
      {"PUT", "/configurations/c1", json{{"targetCondition", 5}, {"content", {{"modulesContent", json::object()}}}}},
      {"PUT", "/configurations/c2", json{{"content", {{"modulesContent", "x"}}}}},
      {"PUT", "/configurations/c3", json{{"content", 5}}},
      {"PATCH", "/twins/edge1", json{{"tags", 5}}},
      {"PATCH", "/twins/edge1", json{{"properties", {{"desired", 5}}}}},
      {"POST", "/devices/query", json{{"query", 5}}},
      {"POST", "/twins/edge1/methods", json{{"methodName", 5}}},
      {"POST", "/devices/edge1/applyConfigurationContent", json{{"modulesContent", 5}}},
  };
  for (const auto& [method, path, body] : requests) {
    net::HttpResponse r;
    ASSERT_NO_THROW(r = call(method, path, body)) << method << " " << path << " " << body.dump();
    EXPECT_EQ(r.status, 400) << method << " " << path << " " << body.dump() << ": " << r.body;
  }
}

TEST(CloudConfig, ErrorsNameFileLineAndKey) {
  testing::TempDir dir;
  const auto write = [&](const std::string& text) {
    const auto file = dir.path() / "cloud.yaml";
    std::ofstream(file) << text;
    return file.string();
  };
  const auto error = [&](const std::string& text) -> std::string {
    try {
      load_cloud_config(write(text));
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(error("hostname: h\nlisten: { mqtt: \"127.0.0.1:x\", http: \"127.0.0.1:0\" }\nstorage: { folder: s }\n")
                .find("cloud.yaml:2"), std::string::npos);
  EXPECT_NE(error("hostname: h\nlisten: { mqtt: \"127.0.0.1:0\" }\nstorage: { folder: s }\n").find("https, http"),
            std::string::npos);
  EXPECT_NE(error("hostname: h\nlisten: { mqtts: \"127.0.0.1:0\", http: \"127.0.0.1:0\" }\nstorage: { folder: s }\n")
                .find("tls"), std::string::npos);
  EXPECT_NE(error("hostname: h\nlisten: { mqtt: \"127.0.0.1:0\", http: \"127.0.0.1:0\" }\nstorage: { folder: s }\n"
                  "policies: [ { name: p, rights: [Everything] } ]\n").find("policies[0].rights"), std::string::npos);
  EXPECT_NE(error("hostname: h\nlisten: { mqtt: \"127.0.0.1:0\", http: \"127.0.0.1:0\" }\nstorage: { folder: s }\n"
                  "telemetry: { retention: { max_age_secs: -1 } }\n").find("telemetry.retention.max_age_secs"),
            std::string::npos);
  EXPECT_NE(error("hostname: h\nlisten: { mqtt: \"127.0.0.1:0\", http: \"127.0.0.1:0\" }\nstorage: { folder: s }\nbogus: 1\n")
                .find("bogus"), std::string::npos);
  const auto ok = load_cloud_config(write(
      "hostname: h\nlisten: { mqtt: \"127.0.0.1:0\", http: \"127.0.0.1:0\" }\nstorage: { folder: s }\n"
      "telemetry: { retention: { max_age_secs: 60, max_bytes: 1000 }, fsync: false }\n"
      "policies: [ { name: svc, rights: [ServiceConnect, RegistryRead] } ]\n"));
  EXPECT_EQ(ok.settings.retention.max_age_ms, 60'000);
  EXPECT_EQ(ok.settings.retention.max_bytes, 1000u);
  EXPECT_FALSE(ok.settings.telemetry_fsync);
  EXPECT_EQ(ok.settings.storage_folder, (dir.path() / "s").lexically_normal());
  ASSERT_EQ(ok.settings.policies.size(), 1u);
  EXPECT_EQ(ok.settings.policies[0].rights, rights::kServiceConnect | rights::kRegistryRead);
}

}  // namespace
}  // namespace outpost::cloud

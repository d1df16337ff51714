// Service tokens and their scope, and what a REST path acts on: the rule the cloud's
// service API and the edge hub's management API share.
#include "outpost/iothub/service_token.h"

#include <gtest/gtest.h>

#include "outpost/core/encoding.h"
#include "outpost/iothub/service_paths.h"

namespace outpost::iothub {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;
const std::string kKey = base64_encode(std::string(32, 'k'));
constexpr const char* kHost = "myhub.local";

std::string token(const std::string& sr, const std::string& policy = "owner", const std::string& key = kKey) {
  return *build_sas_token(sr, key, kNow + 600, std::string_view(policy));
}

Result<std::string> verify(const std::optional<std::string>& authorization, const std::string& path) {
  std::vector<std::string> parts;
  for (std::size_t start = 1; start <= path.size();) {
    const auto slash = path.find('/', start);
    parts.push_back(path.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    start = slash == std::string::npos ? path.size() + 1 : slash + 1;
  }
  const PolicyKeys keys_of = [](const std::string& name) -> std::optional<SasKeys> {
    if (name == "owner") return SasKeys{kKey, ""};
    return std::nullopt;
  };
  return verify_service_token(authorization, kHost, keys_of, service_resource(parts), kNow);
}

TEST(ServicePaths, MapRequestsToTheResourceTheyActOn) {
  using V = std::vector<std::string>;
  EXPECT_EQ(service_resource(V{"twins", "d1"}), "devices/d1");
  EXPECT_EQ(service_resource(V{"twins", "d1", "modules", "m", "methods"}), "devices/d1/modules/m");
  EXPECT_EQ(service_resource(V{"twins", "d1", "methods"}), "devices/d1");
  EXPECT_EQ(service_resource(V{"devices", "d1", "messages", "devicebound"}), "devices/d1/messages/devicebound");
  EXPECT_EQ(service_resource(V{"devices", "query"}), "devices");
  EXPECT_EQ(service_resource(V{"devices"}), "devices");
  EXPECT_EQ(service_resource(V{"configurations", "c"}), "configurations/c");
  EXPECT_EQ(service_resource(V{"status"}), "status");
}

TEST(ServicePaths, ParseTwinsPaths) {
  using V = std::vector<std::string>;
  const auto device = parse_twins_path(V{"twins", "d1"});
  ASSERT_TRUE(device);
  EXPECT_EQ(device->identity, (Identity{"d1", std::nullopt}));
  EXPECT_FALSE(device->operation);
  const auto method = parse_twins_path(V{"twins", "d1", "modules", "m", "methods"});
  ASSERT_TRUE(method);
  EXPECT_EQ(method->identity, (Identity{"d1", std::string("m")}));
  EXPECT_EQ(method->operation, "methods");
  EXPECT_EQ(parse_twins_path(V{"twins", "d1", "methods"})->operation, "methods");
  EXPECT_FALSE(parse_twins_path(V{"twins"}));
  EXPECT_FALSE(parse_twins_path(V{"devices", "d1"}));
  EXPECT_FALSE(parse_twins_path(V{"twins", "d1", "modules", "m", "methods", "x"}));
}

TEST(ServiceToken, AHubTokenCoversEveryRequest) {
  for (const auto* path : {"/devices", "/devices/query", "/twins/d1", "/twins/d2/modules/m/methods", "/status"})
    EXPECT_TRUE(verify(token(kHost), path)) << path;
  EXPECT_EQ(*verify(token("MYHUB.local"), "/devices"), "owner");  // host names in any case
}

TEST(ServiceToken, ADeviceTokenCoversThatDeviceAndItsModulesOnly) {
  const auto d1 = token(std::string(kHost) + "/devices/d1");
  for (const auto* path : {"/twins/d1", "/twins/d1/methods", "/twins/d1/modules/m", "/twins/d1/modules/m/methods",
                           "/devices/d1", "/devices/d1/modules/m", "/devices/d1/messages/devicebound"})
    EXPECT_TRUE(verify(d1, path)) << path;
  for (const auto* path : {"/twins/d2", "/twins/d10", "/twins/D1", "/devices", "/devices/query", "/devices/d2",
                           "/configurations", "/statistics/devices", "/status", "/events"}) {
    const auto refused = verify(d1, path);
    ASSERT_FALSE(refused) << path;
    EXPECT_NE(refused.error().find("is scoped to 'myhub.local/devices/d1', which does not cover"), std::string::npos)
        << refused.error();
  }
  // A module's scope is that module; ids encoded once more inside sr (as device tools do) still match.
  const auto module = token(std::string(kHost) + "/devices/d1/modules/m");
  EXPECT_TRUE(verify(module, "/twins/d1/modules/m/methods"));
  EXPECT_FALSE(verify(module, "/twins/d1"));
  EXPECT_FALSE(verify(module, "/twins/d1/modules/n"));
  EXPECT_TRUE(verify(token(device_resource_uri(kHost, "my dev")), "/twins/my dev"));
  EXPECT_TRUE(verify(token(std::string(kHost) + "/devices"), "/devices/query"));
  EXPECT_TRUE(verify(token(std::string(kHost) + "/devices/"), "/twins/d7"));
}

TEST(ServiceToken, NamesWhyItIsRefused) {
  EXPECT_EQ(verify(std::nullopt, "/devices").error(),
            "missing Authorization header (SharedAccessSignature sr=...&sig=...&se=...&skn=...)");
  EXPECT_EQ(verify(std::string("Bearer x"), "/devices").error().rfind("Authorization: SAS token", 0), 0u);
  EXPECT_EQ(verify(*build_sas_token(kHost, kKey, kNow + 600), "/devices").error(),
            "the token names no shared access policy (skn)");
  EXPECT_EQ(verify(token("other.hub/devices/d1"), "/twins/d1").error(),
            "the token is for 'other.hub/devices/d1', not for this hub ('myhub.local')");
  EXPECT_EQ(verify(token("myhub.localx"), "/twins/d1").error(),
            "the token is for 'myhub.localx', not for this hub ('myhub.local')");
  EXPECT_EQ(verify(token(kHost, "nobody"), "/devices").error(), "unknown shared access policy 'nobody'");
  EXPECT_NE(verify(token(kHost, "owner", base64_encode(std::string(32, 'x'))), "/devices").error().find("signature"),
            std::string::npos);
  // A forged token learns nothing about scopes: the signature is checked first.
  EXPECT_NE(verify(token(std::string(kHost) + "/devices/d1", "owner", base64_encode(std::string(32, 'x'))), "/devices")
                .error()
                .find("signature"),
            std::string::npos);
}

}  // namespace
}  // namespace outpost::iothub

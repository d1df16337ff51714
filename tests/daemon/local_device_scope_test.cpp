// provisioning: local — the device-scope API answers the hub as IoT Hub answers edgeHub, with
// each module's derived keys, and only to $edgeHub's own token.
#include "local_device_scope.h"

#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>

#include "outpost/core/sas_token.h"
#include "support/api_request.h"
#include "support/process.h"

namespace outpost::daemon {
namespace {

using nlohmann::json;

class LocalDeviceScopeTest : public ::testing::Test {
 protected:
  LocalDeviceScopeTest()
      : dir_(outpost::testing::make_temp_dir("outpost-scope")),
        keys_(*KeyStore::open(dir_ + "/keys")),
        identities_(*IdentityStore::open(dir_ + "/identities.json")),
        scope_("gw.local", "edge1", keys_, identities_) {
    hub_ = *identities_.get_or_create("$edgeHub", "iotedge");
    filter_ = *identities_.get_or_create("filter", "IotEdge");
  }
  ~LocalDeviceScopeTest() override { std::filesystem::remove_all(dir_); }

  std::string token_of(const std::string& module, const std::string& key) {
    return *build_sas_token("gw.local/devices/edge1/modules/" + module, key, static_cast<std::int64_t>(std::time(nullptr)) + 600);
  }
  net::HttpResponse post(const std::string& token, const std::string& device = "edge1") {
    auto r = outpost::testing::api_request(
        "POST", "/devices/" + device + "/modules/$edgeHub/devicesAndModulesInTargetDeviceScope?api-version=2020-06-30-preview",
        json::object());
    if (!token.empty()) r.headers.emplace_back("Authorization", token);
    EXPECT_TRUE(LocalDeviceScope::is_device_scope_path(r));
    return scope_.handle(r);
  }

  std::string dir_;
  KeyStore keys_;
  IdentityStore identities_;
  LocalDeviceScope scope_;
  StoredIdentity hub_, filter_;
};

TEST_F(LocalDeviceScopeTest, EdgeHubGetsEveryModuleWithItsDerivedKeys) {
  const auto r = post(token_of("$edgeHub", keys_.module_key("$edgeHub", hub_.generation_id, KeySlot::primary)));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto body = json::parse(r.body);
  EXPECT_EQ(body["devices"][0]["deviceId"], "edge1");
  EXPECT_TRUE(body["devices"][0]["capabilities"]["iotEdge"]);
  ASSERT_EQ(body["modules"].size(), 2u);
  const auto& filter = body["modules"][1];
  EXPECT_EQ(filter["moduleId"], "filter");
  EXPECT_EQ(filter["generationId"], filter_.generation_id);
  EXPECT_EQ(filter["authentication"]["symmetricKey"]["primaryKey"], keys_.module_key("filter", filter_.generation_id, KeySlot::primary));
  EXPECT_TRUE(body["continuationLink"].is_null());
}

TEST_F(LocalDeviceScopeTest, OnlyEdgeHubsOwnTokenIsAccepted) {
  EXPECT_EQ(post("").status, 401);
  EXPECT_EQ(post(token_of("filter", keys_.module_key("filter", filter_.generation_id, KeySlot::primary))).status, 401)
      << "another module's token";
  EXPECT_EQ(post(token_of("$edgeHub", keys_.module_key("$edgeHub", "another-generation", KeySlot::primary))).status, 401)
      << "a key of another generation";
  EXPECT_EQ(post(token_of("$edgeHub", keys_.module_key("$edgeHub", hub_.generation_id, KeySlot::primary)), "edge2").status, 404)
      << "another device";
}

}  // namespace
}  // namespace outpost::daemon

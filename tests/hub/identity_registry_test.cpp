// The identities file (and the device scope): every error names the entry and the field.
#include "identity_registry.h"

#include <gtest/gtest.h>

#include "outpost/core/config.h"
#include "outpost/core/encoding.h"
#include "test_keys.h"

namespace outpost::hub {
namespace {

using test_keys::kKeyA;

TEST(IdentityRegistry, NamesTheEntryAndTheField) {
  EXPECT_EQ(IdentityRegistry::from_json(nlohmann::json::parse(R"([{"moduleId":"A"}])"), "ids.json").error(),
            "ids.json: entry 0: missing \"deviceId\"");
  EXPECT_EQ(IdentityRegistry::from_json(nlohmann::json::parse(R"([{"deviceId":"d","primaryKey":"!!"}])"), "ids.json").error(),
            "ids.json: entry 0: \"primaryKey\" is not base64");
  EXPECT_EQ(IdentityRegistry::from_json(nlohmann::json::parse(R"({"deviceId":"d"})"), "ids.json").error(),
            "ids.json: expected a JSON array of identities");
  const auto dup = std::string(R"([{"deviceId":"d","primaryKey":")") + kKeyA + R"("},{"deviceId":"d","primaryKey":")" + kKeyA + R"("}])";
  EXPECT_EQ(IdentityRegistry::from_json(nlohmann::json::parse(dup), "ids.json").error(),
            "ids.json: entry 1: identity 'd' is listed twice");
}

TEST(IdentityRegistry, ReadsModulesDevicesAndOptionalSecondaryKeys) {
  const auto key_b = base64_encode(std::string(32, 'b'));
  auto r = IdentityRegistry::from_json(
      nlohmann::json::parse(R"([{"deviceId":"edge1","moduleId":"A","primaryKey":")" + kKeyA + R"(","secondaryKey":")" +
                            key_b + R"("},{"deviceId":"leaf1","primaryKey":")" + kKeyA + R"("}])"),
      "ids.json");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->size(), 2u);
  const auto* a = r->keys({"edge1", std::string("A")});
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->primary, kKeyA);
  EXPECT_EQ(a->secondary, key_b);
  ASSERT_NE(r->keys({"leaf1", std::nullopt}), nullptr);
  EXPECT_EQ(r->keys({"leaf1", std::nullopt})->secondary, "");
  EXPECT_EQ(r->keys({"edge1", std::nullopt}), nullptr) << "the edge device is not its module";
  EXPECT_EQ(r->keys({"leaf1", std::string("A")}), nullptr);
}

TEST(IdentityRegistry, MergeReplacesEntriesWithTheSameIdentity) {
  const auto key_b = base64_encode(std::string(32, 'b'));
  IdentityRegistry scope;
  scope.upsert({"leaf1", std::nullopt}, SasKeys{kKeyA, ""});
  scope.upsert({"leaf2", std::nullopt}, SasKeys{kKeyA, ""});
  IdentityRegistry file;
  file.upsert({"leaf1", std::nullopt}, SasKeys{key_b, ""});
  scope.merge_from(file);
  EXPECT_EQ(scope.size(), 2u);
  EXPECT_EQ(scope.keys({"leaf1", std::nullopt})->primary, key_b) << "the merged-in entry wins";
  EXPECT_EQ(scope.keys({"leaf2", std::nullopt})->primary, kKeyA);
}

TEST(IdentityRegistry, LoadFileThrowsAConfigErrorNamingTheFile) {
  EXPECT_THROW(
      {
        try {
          IdentityRegistry::load_file("/nonexistent/identities.json");
        } catch (const ConfigError& e) {
          EXPECT_NE(std::string(e.what()).find("/nonexistent/identities.json"), std::string::npos) << e.what();
          throw;
        }
      },
      ConfigError);
}

TEST(IdentityRegistry, ReadsX509IdentitiesAndRefusesMixedOrWrongOnes) {
  auto r = IdentityRegistry::from_json(nlohmann::json::parse(R"([
    {"deviceId":"thermostat","primaryThumbprint":"AB:CD","secondaryThumbprint":"EF01"},
    {"deviceId":"camera","certificateAuthority":true},
    {"deviceId":"edge1","moduleId":"A","primaryThumbprint":"0123"}])"), "ids.json");
  ASSERT_TRUE(r) << r.error();
  const auto* thermostat = r->x509({"thermostat", std::nullopt});
  ASSERT_NE(thermostat, nullptr);
  EXPECT_FALSE(thermostat->certificate_authority);
  EXPECT_EQ(thermostat->primary_thumbprint, "AB:CD");
  EXPECT_EQ(thermostat->secondary_thumbprint, "EF01");
  EXPECT_EQ(r->keys({"thermostat", std::nullopt}), nullptr) << "no SAS keys for an X.509 identity";
  EXPECT_TRUE(r->x509({"camera", std::nullopt})->certificate_authority);
  EXPECT_TRUE(r->contains({"edge1", std::string("A")}));
  const auto error = [](const char* text) {
    return IdentityRegistry::from_json(nlohmann::json::parse(text), "ids.json").error();
  };
  EXPECT_NE(error(R"([{"deviceId":"d","primaryKey":"AAAA","primaryThumbprint":"AB"}])").find("needs exactly one of"),
            std::string::npos);
  EXPECT_NE(error(R"([{"deviceId":"d"}])").find("needs exactly one of"), std::string::npos);
  EXPECT_EQ(error(R"([{"deviceId":"d","moduleId":"m","certificateAuthority":true}])"),
            "ids.json: entry 0: certificateAuthority is for devices only");
  EXPECT_EQ(error(R"([{"deviceId":"d","certificateAuthority":false}])"),
            "ids.json: entry 0: \"certificateAuthority\" must be true");
}

}  // namespace
}  // namespace outpost::hub

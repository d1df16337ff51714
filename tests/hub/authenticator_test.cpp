// Who may connect: user name, client id and SAS token must name the same identity, known
// to the registry, signed with one of its keys, for this hub (user name and token), not expired.
#include "authenticator.h"

#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>

#include "outpost/core/encoding.h"
#include "outpost/core/sas_token.h"
#include "outpost/iothub/username.h"
#include "outpost/core/file_io.h"
#include "support/process.h"
#include "support/test_certificates.h"
#include "test_keys.h"

namespace outpost::hub {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;
using test_keys::kKeyA;
using test_keys::kKeyA2;
const std::string kKeyLeaf = base64_encode(std::string(32, 'c'));

IdentityRegistry registry() {
  auto r = IdentityRegistry::from_json(nlohmann::json::parse(
      R"([{"deviceId":"edge1","moduleId":"A","primaryKey":")" + kKeyA + R"(","secondaryKey":")" + kKeyA2 +
      R"("},{"deviceId":"leaf1","primaryKey":")" + kKeyLeaf + R"("}])"), "test");
  EXPECT_TRUE(r) << r.error();
  return std::move(*r);
}

mqtt::ConnectPacket connect_as(const iothub::Identity& id, const std::string& key, std::int64_t expiry = kNow + 3600,
                               const std::string& host = "myhub.local") {
  mqtt::ConnectPacket c;
  c.client_id = id.id();
  c.username = iothub::format_mqtt_username(host, id, iothub::kApiVersion);
  c.password = *build_sas_token(device_resource_uri(host, id.device_id, id.module_id), key, expiry);
  return c;
}

const AuthSettings kSettings{{"myhub.local", "gateway.local"}, "edge1"};

TEST(Authenticator, AcceptsModulesAndLeafDevicesWithEitherKey) {
  const auto ids = registry();
  EXPECT_TRUE(authenticate(connect_as({"edge1", std::string("A")}, kKeyA), ids, kSettings, kNow).ok());
  EXPECT_TRUE(authenticate(connect_as({"edge1", std::string("A")}, kKeyA2), ids, kSettings, kNow).ok());
  EXPECT_TRUE(authenticate(connect_as({"leaf1", std::nullopt}, kKeyLeaf), ids, kSettings, kNow).ok());
  // A token for the gateway host name is as good as one for the hub's.
  EXPECT_TRUE(authenticate(connect_as({"leaf1", std::nullopt}, kKeyLeaf, kNow + 60, "gateway.local"), ids, kSettings, kNow).ok());
}

TEST(Authenticator, RefusesWithTheRightCodeAndAReason) {
  const auto ids = registry();
  const iothub::Identity a{"edge1", std::string("A")};
  auto wrong_key = authenticate(connect_as(a, kKeyLeaf), ids, kSettings, kNow);
  EXPECT_EQ(wrong_key.code, mqtt::ConnectReturnCode::not_authorized);
  EXPECT_NE(wrong_key.reason.find("signature"), std::string::npos) << wrong_key.reason;
  auto expired = authenticate(connect_as(a, kKeyA, kNow - 301), ids, kSettings, kNow);
  EXPECT_EQ(expired.code, mqtt::ConnectReturnCode::not_authorized);
  EXPECT_NE(expired.reason.find("expired"), std::string::npos) << expired.reason;
  auto other_audience = connect_as(a, kKeyA);
  other_audience.password = connect_as(a, kKeyA, kNow + 60, "evil.example").password;
  auto other_host = authenticate(other_audience, ids, kSettings, kNow);
  EXPECT_NE(other_host.reason.find("audience"), std::string::npos) << other_host.reason;
  auto mismatch = connect_as(a, kKeyA);
  mismatch.client_id = "edge1/B";
  EXPECT_EQ(authenticate(mismatch, ids, kSettings, kNow).code, mqtt::ConnectReturnCode::identifier_rejected);
  auto foreign = authenticate(connect_as({"edge2", std::string("A")}, kKeyA), ids, kSettings, kNow);
  EXPECT_NE(foreign.reason.find("does not belong to this edge device"), std::string::npos) << foreign.reason;
  // A child edge device's hub may connect (nested edge), only as a registered identity.
  auto child_hub = authenticate(connect_as({"edge2", std::string("$edgeHub")}, kKeyA), ids, kSettings, kNow);
  EXPECT_EQ(child_hub.reason, "unknown identity 'edge2/$edgeHub'");
  auto with_child = IdentityRegistry::from_json(nlohmann::json::parse(
      R"([{"deviceId":"edge2","moduleId":"$edgeHub","primaryKey":")" + kKeyA + R"("}])"), "test");
  ASSERT_TRUE(with_child) << with_child.error();
  EXPECT_TRUE(authenticate(connect_as({"edge2", std::string("$edgeHub")}, kKeyA), *with_child, kSettings, kNow).ok());
  auto unknown = authenticate(connect_as({"edge1", std::string("Z")}, kKeyA), ids, kSettings, kNow);
  EXPECT_EQ(unknown.reason, "unknown identity 'edge1/Z'");
  auto no_password = connect_as(a, kKeyA);
  no_password.password.reset();
  EXPECT_EQ(authenticate(no_password, ids, kSettings, kNow).code, mqtt::ConnectReturnCode::bad_username_or_password);
  auto bad_user = connect_as(a, kKeyA);
  bad_user.username = "just-a-name";
  EXPECT_EQ(authenticate(bad_user, ids, kSettings, kNow).code, mqtt::ConnectReturnCode::bad_username_or_password);
}

TEST(Authenticator, TheUserNamesHostMustBeOneOfTheHubsNames) {
  const auto ids = registry();
  const iothub::Identity leaf{"leaf1", std::nullopt};
  // A valid token for this hub, but a user name for another: CONNACK 5, with the reason logged.
  auto c = connect_as(leaf, kKeyLeaf);
  c.username = iothub::format_mqtt_username("evil.example", leaf, iothub::kApiVersion);
  const auto refused = authenticate(c, ids, kSettings, kNow);
  EXPECT_EQ(refused.code, mqtt::ConnectReturnCode::not_authorized);
  EXPECT_EQ(refused.reason, "the user name names host 'evil.example', not this hub ('myhub.local' or 'gateway.local')");
  // Its host name or its gateway host name, in any case (DNS names are case-insensitive).
  for (const auto* host : {"MyHub.Local", "GATEWAY.local"}) {
    c.username = iothub::format_mqtt_username(host, leaf, iothub::kApiVersion);
    EXPECT_TRUE(authenticate(c, ids, kSettings, kNow).ok()) << host;
  }
}

TEST(Authenticator, ToleratesFiveMinutesOfClockSkewAndNoMore) {
  const auto ids = registry();
  const iothub::Identity a{"edge1", std::string("A")};
  EXPECT_TRUE(authenticate(connect_as(a, kKeyA, kNow - 299), ids, kSettings, kNow).ok());
  EXPECT_FALSE(authenticate(connect_as(a, kKeyA, kNow - 301), ids, kSettings, kNow).ok());
  // The same token, judged later: decided by the time given, not the machine's clock.
  const auto token = connect_as(a, kKeyA, kNow + 60);
  EXPECT_TRUE(authenticate(token, ids, kSettings, kNow + 60 + 300).ok());
  EXPECT_FALSE(authenticate(token, ids, kSettings, kNow + 60 + 301).ok());
}

TEST(Authenticator, ALeafDeviceMayBelongToAnyDeviceButAModuleOnlyToThisEdge) {
  auto ids = registry();
  ids.upsert({"edge2", std::string("A")}, SasKeys{kKeyA, ""});
  EXPECT_FALSE(authenticate(connect_as({"edge2", std::string("A")}, kKeyA), ids, kSettings, kNow).ok())
      << "a module of another edge device is refused even when its keys are known";
  EXPECT_TRUE(authenticate(connect_as({"leaf1", std::nullopt}, kKeyLeaf), ids, kSettings, kNow).ok());
}

// X.509 leaf devices: no password, the certificate the TLS handshake presented.
class AuthenticatorX509 : public ::testing::Test {
 protected:
  AuthenticatorX509() : dir_(outpost::testing::make_temp_dir("outpost-hub-x509")) {
    const auto ca = outpost::testing::write_ca_certificate(dir_, "ca", "Devices CA");
    self_signed_ = describe(outpost::testing::write_ca_certificate(dir_, "thermostat", "thermostat"));
    by_ca_ = describe(outpost::testing::write_client_certificate(dir_, "camera", "camera", ca));
    settings_.device_ca_pem = *read_whole_file(ca.cert_file);
    auto r = IdentityRegistry::from_json(
        nlohmann::json::parse(R"([{"deviceId":"thermostat","primaryThumbprint":")" + self_signed_.sha256_thumbprint +
                              R"("},{"deviceId":"camera","certificateAuthority":true},{"deviceId":"leaf1","primaryKey":")" +
                              kKeyLeaf + R"("}])"), "test");
    EXPECT_TRUE(r) << r.error();
    ids_ = std::move(*r);
  }
  ~AuthenticatorX509() override { std::filesystem::remove_all(dir_); }
  static net::ClientCertificate describe(const outpost::testing::TestCertificate& cert) {
    return *net::describe_certificate_pem(*read_whole_file(cert.cert_file));
  }
  AuthDecision connect(const std::string& device, const net::ClientCertificate* cert) {
    auto c = connect_as({device, std::nullopt}, kKeyLeaf);
    c.password.reset();
    return authenticate(c, ids_, settings_, std::time(nullptr), cert);
  }
  std::string dir_;
  AuthSettings settings_ = kSettings;
  IdentityRegistry ids_;
  net::ClientCertificate self_signed_, by_ca_;
};

TEST_F(AuthenticatorX509, SelfSignedByThumbprintAndCaSignedByChainAndCommonName) {
  EXPECT_TRUE(connect("thermostat", &self_signed_).ok()) << connect("thermostat", &self_signed_).reason;
  EXPECT_TRUE(connect("camera", &by_ca_).ok()) << connect("camera", &by_ca_).reason;
  const auto wrong = connect("thermostat", &by_ca_);
  EXPECT_EQ(wrong.code, mqtt::ConnectReturnCode::not_authorized);
  EXPECT_NE(wrong.reason.find("is not one registered for 'thermostat'"), std::string::npos) << wrong.reason;
  const auto not_ca_signed = connect("camera", &self_signed_);
  EXPECT_NE(not_ca_signed.reason.find("common name 'thermostat' is not the device id 'camera'"), std::string::npos)
      << not_ca_signed.reason;
  settings_.device_ca_pem.clear();
  EXPECT_NE(connect("camera", &by_ca_).reason.find("no CA is configured"), std::string::npos);
}

TEST_F(AuthenticatorX509, EachIdentityUsesOnlyTheCredentialItIsRegisteredWith) {
  const auto no_credentials = connect("thermostat", nullptr);
  EXPECT_EQ(no_credentials.code, mqtt::ConnectReturnCode::bad_username_or_password);
  EXPECT_EQ(no_credentials.reason, "no SAS token in the password and no client certificate");
  EXPECT_EQ(connect("leaf1", &self_signed_).reason, "'leaf1' authenticates with a SAS token, not a certificate");
  auto with_token = connect_as({"thermostat", std::nullopt}, kKeyLeaf);
  EXPECT_EQ(authenticate(with_token, ids_, settings_, kNow, &self_signed_).reason,
            "'thermostat' authenticates with an X.509 certificate, not a SAS token");
  EXPECT_EQ(connect("stranger", &self_signed_).reason, "unknown identity 'stranger'");
}

}  // namespace
}  // namespace outpost::hub

// Who may connect: direct SAS tokens of devices and modules, DeviceConnect policies, and
// the on-behalf-of decisions for an edge hub acting for its modules and children.
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <map>

#include <unistd.h>

#include "device_auth.h"
#include "certificate_auth.h"
#include "ids.h"
#include "outpost/core/file_io.h"
#include "outpost/core/sas_token.h"
#include "outpost/iothub/username.h"
#include "support/test_certificates.h"

namespace outpost::cloud {
namespace {

constexpr const char* kHost = "hub.test";
constexpr std::int64_t kNow = 1'700'000'000;

class DeviceAuthTest : public ::testing::Test {
 protected:
  DeviceAuthTest() {
    add_device("edge1", true, "");
    add_device("edge2", true, scope("edge1"));  // a child edge of edge1
    add_device("leaf1", false, scope("edge1"));
    add_device("leaf2", false, scope("edge2"));
    add_device("loner", false, "");
    add_device("plain", true, "");  // an unrelated edge
    for (const char* edge : {"edge1", "edge2", "plain"}) add_module(edge, "$edgeHub");
    add_module("edge1", "modA");
    add_module("edge2", "modB");
    policies["device"] = PolicyRecord{"device", {generate_key(), generate_key()}, rights::kDeviceConnect};
    policies["service"] = PolicyRecord{"service", {generate_key(), generate_key()}, rights::kServiceConnect};
    lookup.device = [this](const std::string& id) -> std::optional<DeviceRecord> {
      const auto it = devices.find(id);
      return it == devices.end() ? std::nullopt : std::optional(it->second);
    };
    lookup.module = [this](const std::string& d, const std::string& m) -> std::optional<ModuleRecord> {
      const auto it = modules.find(d + "/" + m);
      return it == modules.end() ? std::nullopt : std::optional(it->second);
    };
    lookup.policy = [this](const std::string& name) -> std::optional<PolicyRecord> {
      const auto it = policies.find(name);
      return it == policies.end() ? std::nullopt : std::optional(it->second);
    };
    lookup.parent_of = [this](const DeviceRecord& d) -> std::optional<std::string> {
      const auto& s = d.parent_scopes.empty() ? std::string() : d.parent_scopes.front();
      auto owner = scope_device_id(s);
      if (!owner || !devices.count(*owner)) return std::nullopt;
      return owner;
    };
  }

  static std::string scope(const std::string& edge) { return edge_scope(edge, "1"); }
  void add_device(const std::string& id, bool edge, const std::string& parent) {
    DeviceRecord d;
    d.device_id = id;
    d.iot_edge = edge;
    d.device_scope = edge ? scope(id) : parent;
    if (!parent.empty()) d.parent_scopes = {parent};
    d.authentication.keys = {generate_key(), generate_key()};
    devices[id] = d;
  }
  void add_module(const std::string& device, const std::string& id) {
    ModuleRecord m;
    m.device_id = device;
    m.module_id = id;
    m.authentication.keys = {generate_key(), generate_key()};
    modules[device + "/" + id] = m;
  }
  std::string token(const std::string& device, std::optional<std::string> module, const std::string& key,
                    std::optional<std::string_view> policy = std::nullopt) {
    return *build_sas_token(device_resource_uri(kHost, device, module), key, kNow + 600, policy);
  }
  std::string edge_hub_token(const std::string& edge) {
    return token(edge, std::string("$edgeHub"), modules[edge + "/$edgeHub"].authentication.keys.primary);
  }
  DeviceAuthDecision connect(const iothub::Identity& who, const std::string& password,
                             std::optional<std::string> chain = std::nullopt) {
    mqtt::ConnectPacket p;
    p.client_id = who.id();
    p.username = iothub::format_mqtt_username(kHost, who, "2021-04-12", chain);
    p.password = password;
    return authenticate_device(p, kHost, lookup, kNow);
  }

  std::map<std::string, DeviceRecord> devices;
  std::map<std::string, ModuleRecord> modules;
  std::map<std::string, PolicyRecord> policies;
  IdentityLookup lookup;
};

TEST_F(DeviceAuthTest, DirectDevicesAndModules) {
  EXPECT_TRUE(connect({"leaf1", std::nullopt}, token("leaf1", std::nullopt, devices["leaf1"].authentication.keys.primary)).ok());
  EXPECT_TRUE(connect({"leaf1", std::nullopt}, token("leaf1", std::nullopt, devices["leaf1"].authentication.keys.secondary)).ok());
  EXPECT_TRUE(connect({"edge1", "modA"}, token("edge1", std::string("modA"), modules["edge1/modA"].authentication.keys.primary)).ok());
  const auto wrong_key = connect({"leaf1", std::nullopt}, token("leaf1", std::nullopt, generate_key()));
  EXPECT_EQ(wrong_key.code, mqtt::ConnectReturnCode::not_authorized);
  // A token for another identity, even a valid one, does not open this one.
  const auto other = connect({"leaf1", std::nullopt}, token("loner", std::nullopt, devices["loner"].authentication.keys.primary));
  EXPECT_FALSE(other.ok());
  devices["leaf1"].enabled = false;
  const auto disabled = connect({"leaf1", std::nullopt}, token("leaf1", std::nullopt, devices["leaf1"].authentication.keys.primary));
  EXPECT_FALSE(disabled.ok());
  EXPECT_NE(disabled.reason.find("disabled"), std::string::npos);
  EXPECT_FALSE(connect({"ghost", std::nullopt}, token("ghost", std::nullopt, generate_key())).ok());
}

TEST_F(DeviceAuthTest, ClientIdAndUserNameMustAgree) {
  mqtt::ConnectPacket p;
  p.client_id = "leaf1";
  p.username = iothub::format_mqtt_username(kHost, {"loner", std::nullopt}, "2021-04-12");
  p.password = token("loner", std::nullopt, devices["loner"].authentication.keys.primary);
  EXPECT_EQ(authenticate_device(p, kHost, lookup, kNow).code, mqtt::ConnectReturnCode::identifier_rejected);
  p.username.reset();
  EXPECT_EQ(authenticate_device(p, kHost, lookup, kNow).code, mqtt::ConnectReturnCode::bad_username_or_password);
}

TEST_F(DeviceAuthTest, TheUserNamesHostMustBeThisHubInAnyCase) {
  const auto key = devices["leaf1"].authentication.keys.primary;
  mqtt::ConnectPacket p;
  p.client_id = "leaf1";
  p.password = token("leaf1", std::nullopt, key);  // a valid token for this hub
  p.username = iothub::format_mqtt_username("other.hub", {"leaf1", std::nullopt}, "2021-04-12");
  const auto other = authenticate_device(p, kHost, lookup, kNow);
  EXPECT_EQ(other.code, mqtt::ConnectReturnCode::not_authorized);
  EXPECT_EQ(other.reason, "the user name names host 'other.hub', not this hub ('hub.test')");
  p.username = iothub::format_mqtt_username("HUB.Test", {"leaf1", std::nullopt}, "2021-04-12");
  EXPECT_TRUE(authenticate_device(p, kHost, lookup, kNow).ok());
  // On behalf of: the edge hub's user name names this hub too.
  p.password = edge_hub_token("edge1");
  p.username = iothub::format_mqtt_username("other.hub", {"leaf1", std::nullopt}, "2021-04-12", "leaf1;edge1");
  EXPECT_EQ(authenticate_device(p, kHost, lookup, kNow).code, mqtt::ConnectReturnCode::not_authorized);
}

TEST_F(DeviceAuthTest, DeviceConnectPolicies) {
  EXPECT_TRUE(connect({"loner", std::nullopt}, token("loner", std::nullopt, policies["device"].keys.primary, "device")).ok());
  EXPECT_FALSE(connect({"loner", std::nullopt}, token("loner", std::nullopt, policies["service"].keys.primary, "service")).ok());
  EXPECT_FALSE(connect({"ghost", std::nullopt}, token("ghost", std::nullopt, policies["device"].keys.primary, "device")).ok());
}

TEST_F(DeviceAuthTest, EdgeHubActsForItsModulesAndChildren) {
  const auto module = connect({"edge1", "modA"}, edge_hub_token("edge1"), "edge1/modA;edge1");
  ASSERT_TRUE(module.ok()) << module.reason;
  EXPECT_EQ(module.acting_edge, "edge1");
  const auto leaf = connect({"leaf1", std::nullopt}, edge_hub_token("edge1"), "leaf1;edge1");
  ASSERT_TRUE(leaf.ok()) << leaf.reason;
  // Nested: edge1 acts for leaf2 below edge2, and for edge2's own modules.
  const auto nested = connect({"leaf2", std::nullopt}, edge_hub_token("edge1"), "leaf2;edge2;edge1");
  ASSERT_TRUE(nested.ok()) << nested.reason;
  EXPECT_EQ(nested.acting_edge, "edge1");
  EXPECT_TRUE(connect({"edge2", "$edgeHub"}, edge_hub_token("edge1"), "edge2/$edgeHub;edge2;edge1").ok());
}

TEST_F(DeviceAuthTest, OnBehalfOfRefusals) {
  // Not in the edge's scope.
  EXPECT_FALSE(connect({"loner", std::nullopt}, edge_hub_token("edge1"), "loner;edge1").ok());
  EXPECT_FALSE(connect({"leaf1", std::nullopt}, edge_hub_token("plain"), "leaf1;plain").ok());
  EXPECT_FALSE(connect({"edge2", "modB"}, edge_hub_token("edge1"), "edge2/modB;edge1").ok());
  // The chain must start with the connecting identity, and links must be real.
  EXPECT_FALSE(connect({"leaf1", std::nullopt}, edge_hub_token("edge1"), "leaf2;edge1").ok());
  EXPECT_FALSE(connect({"leaf2", std::nullopt}, edge_hub_token("edge1"), "leaf2;edge1").ok());
  EXPECT_FALSE(connect({"leaf1", std::nullopt}, edge_hub_token("edge1"), "leaf1").ok());
  EXPECT_FALSE(connect({"leaf1", std::nullopt}, edge_hub_token("edge1"), "leaf1;;edge1").ok());
  // The token must be the acting edge's $edgeHub token, not the target's or another edge's.
  EXPECT_FALSE(connect({"leaf1", std::nullopt}, edge_hub_token("edge2"), "leaf1;edge1").ok());
  EXPECT_FALSE(connect({"leaf1", std::nullopt},
                       token("leaf1", std::nullopt, devices["leaf1"].authentication.keys.primary), "leaf1;edge1").ok());
  EXPECT_FALSE(connect({"leaf1", std::nullopt},
                       token("edge1", std::string("modA"), modules["edge1/modA"].authentication.keys.primary), "leaf1;edge1").ok());
  // A disabled acting edge or target, or a leaf acting as an edge.
  devices["edge1"].enabled = false;
  EXPECT_FALSE(connect({"leaf1", std::nullopt}, edge_hub_token("edge1"), "leaf1;edge1").ok());
  devices["edge1"].enabled = true;
  devices["leaf1"].enabled = false;
  EXPECT_FALSE(connect({"leaf1", std::nullopt}, edge_hub_token("edge1"), "leaf1;edge1").ok());
  devices["leaf1"].enabled = true;
  EXPECT_FALSE(connect({"edge1", std::nullopt}, edge_hub_token("edge1"), "edge1;edge1").ok());
  devices["edge1"].iot_edge = false;
  EXPECT_FALSE(connect({"leaf1", std::nullopt}, edge_hub_token("edge1"), "leaf1;edge1").ok());
}

TEST_F(DeviceAuthTest, EdgeHubTokensForTheDeviceScopeApi) {
  EXPECT_FALSE(verify_edge_hub_token(edge_hub_token("edge1"), "edge1", kHost, lookup, kNow).has_value());
  EXPECT_TRUE(verify_edge_hub_token(edge_hub_token("edge1"), "edge2", kHost, lookup, kNow).has_value());
  EXPECT_TRUE(verify_edge_hub_token(edge_hub_token("edge1"), "edge1", kHost, lookup, kNow + 3600).has_value());
  EXPECT_TRUE(verify_edge_hub_token("garbage", "edge1", kHost, lookup, kNow).has_value());
}

// X.509: no password, a client certificate from the TLS handshake.
class DeviceX509AuthTest : public DeviceAuthTest {
 protected:
  DeviceX509AuthTest() {
    dir = (std::filesystem::temp_directory_path() / ("outpost-x509-auth-" + std::to_string(::getpid()))).string();
    std::filesystem::create_directories(dir);
    const auto ca = outpost::testing::write_ca_certificate(dir, "ca", "Devices CA");
    const auto other_ca = outpost::testing::write_ca_certificate(dir, "other-ca", "Another CA");
    self_signed = describe("thermostat", outpost::testing::write_ca_certificate(dir, "thermostat", "thermostat"));
    signed_by_ca = describe("camera", outpost::testing::write_client_certificate(dir, "camera", "camera", ca));
    signed_by_other = describe("camera", outpost::testing::write_client_certificate(dir, "camera2", "camera", other_ca));
    ca_pem = *read_whole_file(ca.cert_file);
    add_device("thermostat", false, "");
    devices["thermostat"].authentication = {};
    devices["thermostat"].authentication.type = AuthType::self_signed;
    devices["thermostat"].authentication.primary_thumbprint = "00";
    devices["thermostat"].authentication.secondary_thumbprint = self_signed.sha1_thumbprint;
    add_device("camera", false, "");
    devices["camera"].authentication = {};
    devices["camera"].authentication.type = AuthType::certificate_authority;
  }
  ~DeviceX509AuthTest() override { std::filesystem::remove_all(dir); }

  static net::ClientCertificate describe(const std::string&, const outpost::testing::TestCertificate& cert) {
    auto described = net::describe_certificate_pem(*read_whole_file(cert.cert_file));
    if (!described) throw std::runtime_error(described.error());
    return *described;
  }
  DeviceAuthDecision connect_x509(const std::string& device, const net::ClientCertificate* cert,
                                  std::optional<std::string> password = std::nullopt) {
    mqtt::ConnectPacket p;
    p.client_id = device;
    p.username = iothub::format_mqtt_username(kHost, {device, std::nullopt}, "2021-04-12");
    p.password = password;
    return authenticate_device(p, kHost, lookup, std::time(nullptr), {cert, &ca_pem});
  }

  std::string dir;
  net::ClientCertificate self_signed, signed_by_ca, signed_by_other;
  std::string ca_pem;
};

TEST_F(DeviceX509AuthTest, ASelfSignedDeviceIsKnownByEitherThumbprint) {
  EXPECT_TRUE(connect_x509("thermostat", &self_signed).ok()) << connect_x509("thermostat", &self_signed).reason;
  // As registered through the REST API: SHA-256, lower case, with colons.
  auto& auth = devices["thermostat"].authentication;
  std::string spaced;
  for (std::size_t i = 0; i < self_signed.sha256_thumbprint.size(); i += 2)
    spaced += (i ? ":" : "") + self_signed.sha256_thumbprint.substr(i, 2);
  for (auto& c : spaced) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auth.primary_thumbprint = spaced;
  auth.secondary_thumbprint.clear();
  EXPECT_TRUE(connect_x509("thermostat", &self_signed).ok());
  // Another certificate, even one a trusted CA signed, is not this device.
  const auto other = connect_x509("thermostat", &signed_by_ca);
  EXPECT_EQ(other.code, mqtt::ConnectReturnCode::not_authorized);
  EXPECT_NE(other.reason.find("thumbprint (" + signed_by_ca.sha1_thumbprint + ") is not one registered for 'thermostat'"),
            std::string::npos) << other.reason;
}

TEST_F(DeviceX509AuthTest, ACaSignedDeviceNeedsTheVerifiedCaAndItsIdAsCommonName) {
  EXPECT_TRUE(connect_x509("camera", &signed_by_ca).ok()) << connect_x509("camera", &signed_by_ca).reason;
  const auto other_ca = connect_x509("camera", &signed_by_other);
  EXPECT_FALSE(other_ca.ok());
  EXPECT_NE(other_ca.reason.find("does not verify against the device CAs"), std::string::npos) << other_ca.reason;
  devices["thermostat"].authentication.type = AuthType::certificate_authority;
  const auto wrong_name = connect_x509("thermostat", &signed_by_ca);
  EXPECT_EQ(wrong_name.reason, "X.509: the client certificate's common name 'camera' is not the device id 'thermostat'");
  ca_pem.clear();
  EXPECT_NE(connect_x509("camera", &signed_by_ca).reason.find("no CA is configured"), std::string::npos);
}

TEST_F(DeviceX509AuthTest, SasIdentitiesAndMissingCredentialsAreRefused) {
  const auto sas_device = connect_x509("leaf1", &self_signed);
  EXPECT_EQ(sas_device.code, mqtt::ConnectReturnCode::not_authorized);
  EXPECT_EQ(sas_device.reason, "X.509: 'leaf1' does not use X.509 (authentication type sas)");
  const auto nothing = connect_x509("thermostat", nullptr);
  EXPECT_EQ(nothing.code, mqtt::ConnectReturnCode::bad_username_or_password);
  EXPECT_EQ(nothing.reason, "no password (a SAS token) and no client certificate");
  devices["thermostat"].enabled = false;
  EXPECT_EQ(connect_x509("thermostat", &self_signed).reason, "X.509: device 'thermostat' is disabled");
  // A password wins over the certificate: it is checked as a SAS token.
  EXPECT_FALSE(connect_x509("thermostat", &self_signed, std::string("not a token")).ok());
}

}  // namespace
}  // namespace outpost::cloud

#include "outpost/core/sas_token.h"

#include <gtest/gtest.h>

namespace outpost {
namespace {

// Keys and signatures below were computed with the openssl command line, e.g.
//   printf 'myhub.azure-devices.net%%2Fdevices%%2Fdev1%%2Fmodules%%2Fmod1\n1795412064' |
//     openssl dgst -sha256 -mac HMAC -macopt key:outpost-test-key-0123456789abcdef -binary | base64
constexpr const char* kPrimary = "b3V0cG9zdC10ZXN0LWtleS0wMTIzNDU2Nzg5YWJjZGVm";
constexpr const char* kSecondary = "c2Vjb25kYXJ5LWtleS14eXo=";
constexpr std::int64_t kExpiry = 1795412064;
constexpr const char* kModuleSig = "jS3H3VCqGU6bl+Zn0eyQ+RL8uLOgGe7BjyAEmsy8Y+M=";
constexpr const char* kDeviceSigLower = "fjyyJplkV4S++spssyOSYavAw8o0jqcf//sO+ENRNdM=";
constexpr const char* kDeviceSigUpper = "VM3cUK2vG3lTicwrY9ujZB/4DtolbAMDZsZBJuMVZ1c=";
constexpr const char* kDeviceSigSecondary = "UAt3Y6QBSN5ySS3UFq8LYJjtbux9DDiLn8GukkfqFgY=";

// The Node SDK's token: uppercase escapes, field order sr, sig, se.
const std::string kNodeModuleToken =
    "SharedAccessSignature sr=myhub.azure-devices.net%2Fdevices%2Fdev1%2Fmodules%2Fmod1"
    "&sig=jS3H3VCqGU6bl%2BZn0eyQ%2BRL8uLOgGe7BjyAEmsy8Y%2BM%3D&se=1795412064";

SasAudience module_audience() {
  return SasAudience{{"myhub.azure-devices.net", "edge.local"}, "dev1", std::string("mod1")};
}
SasAudience device_audience() {
  return SasAudience{{"myhub.azure-devices.net"}, "dev1", std::nullopt};
}
SasKeys keys() { return SasKeys{kPrimary, kSecondary}; }

TEST(SasToken, ParsesFieldsInAnyOrder) {
  auto t = parse_sas_token("SharedAccessSignature se=12&skn=iothubowner&sig=a%2Bb&sr=h%2fdevices%2fd");
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(t->expiry, 12);
  EXPECT_EQ(t->key_name, "iothubowner");
  EXPECT_EQ(t->signature, "a+b");
  EXPECT_EQ(t->resource_uri_raw, "h%2fdevices%2fd");
  EXPECT_EQ(t->resource_uri, "h/devices/d");
}

TEST(SasToken, NamesWhatIsWrong) {
  EXPECT_EQ(parse_sas_token("Bearer x").error(),
            "SAS token: does not start with 'SharedAccessSignature '");
  EXPECT_EQ(parse_sas_token("SharedAccessSignature sig=a&se=1").error(), "SAS token: missing 'sr'");
  EXPECT_EQ(parse_sas_token("SharedAccessSignature sr=a&se=1").error(), "SAS token: missing 'sig'");
  EXPECT_EQ(parse_sas_token("SharedAccessSignature sr=a&sig=b").error(), "SAS token: missing 'se'");
  EXPECT_EQ(parse_sas_token("SharedAccessSignature sr=a&sig=b&se=x1").error(),
            "SAS token: 'se' is not a non-negative integer");
  EXPECT_EQ(parse_sas_token("SharedAccessSignature sr=a&sig=b&se=1&foo=2").error(),
            "SAS token: unknown field 'foo'");
  EXPECT_EQ(parse_sas_token("SharedAccessSignature sr=a%zz&sig=b&se=1").error(),
            "SAS token: bad percent-encoding in 'sr'");
}

TEST(SasToken, VerifiesTheNodeSdkModuleToken) {
  const auto audience = module_audience();
  const auto v = verify_sas_token(kNodeModuleToken, keys(), &audience, kExpiry - 100);
  EXPECT_TRUE(v.ok()) << v.detail;
  EXPECT_FALSE(v.used_secondary_key);
}

TEST(SasToken, SignsSrExactlyAsSent) {
  // The same identity with lowercase vs uppercase escapes gives different signatures.
  const auto audience = device_audience();
  const std::string_view lower =
      "SharedAccessSignature sr=myhub.azure-devices.net%2fdevices%2fdev1&sig="
      "fjyyJplkV4S%2B%2BspssyOSYavAw8o0jqcf%2F%2FsO%2BENRNdM%3D&se=1795412064";
  const std::string_view upper =
      "SharedAccessSignature sr=myhub.azure-devices.net%2Fdevices%2Fdev1&sig="
      "VM3cUK2vG3lTicwrY9ujZB%2F4DtolbAMDZsZBJuMVZ1c%3D&se=1795412064";
  EXPECT_TRUE(verify_sas_token(lower, keys(), &audience, kExpiry).ok());
  EXPECT_TRUE(verify_sas_token(upper, keys(), &audience, kExpiry).ok());
  const std::string_view swapped =
      "SharedAccessSignature sr=myhub.azure-devices.net%2Fdevices%2Fdev1&sig="
      "fjyyJplkV4S%2B%2BspssyOSYavAw8o0jqcf%2F%2FsO%2BENRNdM%3D&se=1795412064";
  EXPECT_EQ(verify_sas_token(swapped, keys(), &audience, kExpiry).failure, SasFailure::bad_signature);
}

TEST(SasToken, BuildsTokensWithLowercaseEscapes) {
  auto token = build_sas_token("myhub.azure-devices.net/devices/dev1", kPrimary, kExpiry);
  ASSERT_TRUE(token);
  auto parsed = parse_sas_token(*token);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->resource_uri_raw, "myhub.azure-devices.net%2fdevices%2fdev1");
  EXPECT_EQ(parsed->signature, kDeviceSigLower);
  EXPECT_EQ(sas_signature("myhub.azure-devices.net%2Fdevices%2Fdev1", kExpiry, kPrimary),
            kDeviceSigUpper);
  EXPECT_EQ(sas_signature("myhub.azure-devices.net%2Fdevices%2Fdev1%2Fmodules%2Fmod1", kExpiry, kPrimary),
            kModuleSig);
  EXPECT_FALSE(build_sas_token("x", "not base64!", 1));
}

TEST(SasToken, FallsBackToTheSecondaryKey) {
  const auto audience = device_audience();
  auto token = build_sas_token("myhub.azure-devices.net/devices/dev1", kSecondary, kExpiry);
  ASSERT_TRUE(token);
  auto parsed = parse_sas_token(*token);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->signature, kDeviceSigSecondary);
  const auto v = verify_sas_token(*token, keys(), &audience, kExpiry);
  EXPECT_TRUE(v.ok());
  EXPECT_TRUE(v.used_secondary_key);
  EXPECT_EQ(verify_sas_token(*token, SasKeys{kPrimary, ""}, &audience, kExpiry).failure,
            SasFailure::bad_signature);
}

TEST(SasToken, AllowsFiveMinutesOfClockSkewAndNoMore) {
  const auto audience = module_audience();
  EXPECT_TRUE(verify_sas_token(kNodeModuleToken, keys(), &audience, kExpiry + 300).ok());
  const auto late = verify_sas_token(kNodeModuleToken, keys(), &audience, kExpiry + 301);
  EXPECT_EQ(late.failure, SasFailure::expired);
}

TEST(SasToken, ChecksTheAudience) {
  const auto k = keys();
  auto other_module = module_audience();
  other_module.module_id = "mod2";
  EXPECT_EQ(verify_sas_token(kNodeModuleToken, k, &other_module, kExpiry).failure,
            SasFailure::wrong_audience);
  auto device_only = module_audience();
  device_only.module_id.reset();
  EXPECT_EQ(verify_sas_token(kNodeModuleToken, k, &device_only, kExpiry).failure,
            SasFailure::wrong_audience);
  auto other_host = module_audience();
  other_host.accepted_hosts = {"otherhub.azure-devices.net"};
  EXPECT_EQ(verify_sas_token(kNodeModuleToken, k, &other_host, kExpiry).failure,
            SasFailure::wrong_audience);
  // IDs and host match case-insensitively, as edgeHub does.
  SasAudience upper{{"MYHUB.azure-devices.net"}, "DEV1", std::string("Mod1")};
  EXPECT_TRUE(verify_sas_token(kNodeModuleToken, k, &upper, kExpiry).ok());
}

TEST(SasToken, DecodesDoubleEncodedIds) {
  const auto uri = device_resource_uri("h", "dev 1", "mod/2");
  EXPECT_EQ(uri, "h/devices/dev%201/modules/mod%2f2");
  const auto id = parse_device_resource_uri(uri);
  ASSERT_TRUE(id);
  EXPECT_EQ(id->device_id, "dev 1");
  EXPECT_EQ(id->module_id, "mod/2");
  EXPECT_FALSE(parse_device_resource_uri("h/devices"));
  EXPECT_FALSE(parse_device_resource_uri("h/things/d"));
  EXPECT_FALSE(parse_device_resource_uri("h/devices/d/modules"));
}

}  // namespace
}  // namespace outpost

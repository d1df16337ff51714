#include "outpost/core/connection_string.h"

#include <gtest/gtest.h>

namespace outpost {
namespace {

TEST(ConnectionString, ParsesModuleStringWithBase64Padding) {
  auto cs = parse_connection_string(
      "HostName=myhub.azure-devices.net;DeviceId=edge1;ModuleId=mod1;SharedAccessKey=abc=;"
      "GatewayHostName=gw.local");
  ASSERT_TRUE(cs) << cs.error();
  EXPECT_EQ(cs->host_name, "myhub.azure-devices.net");
  EXPECT_EQ(cs->device_id, "edge1");
  EXPECT_EQ(cs->module_id, "mod1");
  EXPECT_EQ(cs->shared_access_key, "abc=");
  EXPECT_EQ(cs->gateway_host_name, "gw.local");
  EXPECT_FALSE(cs->is_service());
}

TEST(ConnectionString, ParsesServicePolicyString) {
  auto cs = parse_connection_string("HostName=h;SharedAccessKeyName=iothubowner;SharedAccessKey=a2V5");
  ASSERT_TRUE(cs) << cs.error();
  EXPECT_TRUE(cs->is_service());
  EXPECT_EQ(cs->to_string(), "HostName=h;SharedAccessKeyName=iothubowner;SharedAccessKey=a2V5");
}

TEST(ConnectionString, AcceptsX509) {
  auto cs = parse_connection_string("HostName=h;DeviceId=d;x509=true");
  ASSERT_TRUE(cs) << cs.error();
  EXPECT_TRUE(cs->x509);
}

TEST(ConnectionString, NamesTheMissingOrBadPart) {
  EXPECT_EQ(parse_connection_string("DeviceId=d;SharedAccessKey=k").error(),
            "connection string: missing HostName");
  EXPECT_EQ(parse_connection_string("HostName=h;SharedAccessKey=k").error(),
            "connection string: missing DeviceId (or SharedAccessKeyName for a service)");
  EXPECT_EQ(parse_connection_string("HostName=h;DeviceId=d").error(),
            "connection string: missing SharedAccessKey (or SharedAccessSignature, or x509=true)");
  EXPECT_EQ(parse_connection_string("HostName=h;DeviceId=d;Colour=blue;SharedAccessKey=k").error(),
            "connection string: unknown part 'Colour'");
  EXPECT_EQ(parse_connection_string("HostName=h;DeviceId").error(),
            "connection string: part 'DeviceId' is not Key=Value");
  EXPECT_EQ(parse_connection_string("HostName=h;DeviceId=;SharedAccessKey=k").error(),
            "connection string: DeviceId is empty");
  EXPECT_EQ(parse_connection_string("HostName=h;ModuleId=m;SharedAccessKey=k").error(),
            "connection string: ModuleId given without DeviceId");
}

}  // namespace
}  // namespace outpost

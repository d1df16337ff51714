#include "link_address.h"

#include <gtest/gtest.h>

namespace outpost::amqp {
namespace {

iothub::Identity device_identity(std::string d) { return {std::move(d), std::nullopt}; }
iothub::Identity module_identity(std::string d, std::string m) { return {std::move(d), std::move(m)}; }

struct GoodAddress {
  const char* address;
  iothub::Identity identity;
  LinkKind kind;
};

TEST(LinkAddress, ParsesEveryEndpointOfDevicesAndModules) {
  const GoodAddress cases[] = {
      {"/devices/d1/messages/events", device_identity("d1"), LinkKind::events},
      {"/devices/d1/messages/devicebound", device_identity("d1"), LinkKind::devicebound},
      {"/devices/d1/methods/devicebound", device_identity("d1"), LinkKind::methods},
      {"/devices/d1/twin", device_identity("d1"), LinkKind::twin},
      {"/devices/edge1/modules/A/messages/events", module_identity("edge1", "A"), LinkKind::events},
      {"/devices/edge1/modules/A/methods/devicebound", module_identity("edge1", "A"), LinkKind::methods},
      {"/devices/edge1/modules/A/twin", module_identity("edge1", "A"), LinkKind::twin},
      // The SDKs' ids are not encoded; what IoT Hub allows in them stays as it is.
      {"/devices/a-b.c%_*?!(),:=@$'/modules/$edgeHub/twin", module_identity("a-b.c%_*?!(),:=@$'", "$edgeHub"),
       LinkKind::twin},
      // A device may be called "modules": it is a module only when an endpoint follows.
      {"/devices/modules/twin", device_identity("modules"), LinkKind::twin},
  };
  for (const auto& c : cases) {
    const auto parsed = parse_link_address(c.address);
    ASSERT_TRUE(parsed) << c.address << ": " << parsed.error();
    EXPECT_EQ(parsed->identity, c.identity) << c.address;
    EXPECT_EQ(parsed->kind, c.kind) << c.address;
  }
}

TEST(LinkAddress, AcceptsAnyHostPrefix) {
  const auto parsed = parse_link_address("amqps://myhub.azure-devices.net/devices/d1/modules/m1/messages/events");
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(parsed->identity, module_identity("d1", "m1"));
  EXPECT_EQ(parsed->kind, LinkKind::events);
  const auto with_port = parse_link_address("amqps://gateway:5671/devices/d1/twin");
  ASSERT_TRUE(with_port) << with_port.error();
  EXPECT_EQ(with_port->identity, device_identity("d1"));
}

TEST(LinkAddress, ErrorsNameTheAddressAndTheFault) {
  const std::pair<const char*, const char*> cases[] = {
      {"/devices//twin", "link address '/devices//twin': empty device id"},
      {"/devices/d/modules//twin", "link address '/devices/d/modules//twin': empty module id"},
      {"/devices/d#/twin", "device id 'd#' contains '#'"},
      {"/devices/d/modules/m+/twin", "module id 'm+' contains '+'"},
      {"/devices/d\x01/twin", "device id contains a control character"},
      {"/devices/d/modules/m\x7f/twin", "module id contains a control character"},
      {"/devices/d/messages", "unknown endpoint 'messages'"},
      {"/devices/d/messages/deviceBound", "unknown endpoint 'messages/deviceBound'"},
      {"/devices/d/twin/", "unknown endpoint 'twin/'"},
      {"/devices/d/twin/extra", "unknown endpoint 'twin/extra'"},
      {"/devices/d/modules/m/x/messages/events", "unknown endpoint 'x/messages/events'"},
      {"/devices/d/modules/twin", "unknown endpoint 'modules/twin'"},
      {"/devices/d", "no endpoint after the identity"},
      {"/devices/d/modules/m/", "unknown endpoint ''"},
      {"devices/d/twin", "not under /devices/"},
      {"/messages/devicebound", "not under /devices/"},
      {"", "not under /devices/"},
      {"amqps://host", "not under /devices/"},
      {"amqps://host/twin", "not under /devices/"},
  };
  for (const auto& [address, error] : cases) {
    const auto parsed = parse_link_address(address);
    ASSERT_FALSE(parsed) << address;
    EXPECT_NE(parsed.error().find(error), std::string::npos) << address << " -> " << parsed.error();
    EXPECT_NE(parsed.error().find("link address '"), std::string::npos) << parsed.error();
  }
}

TEST(LinkAddress, IdProblems) {
  EXPECT_FALSE(id_problem("device id", "edge1"));
  EXPECT_EQ(id_problem("device id", ""), "empty device id");
  EXPECT_EQ(id_problem("module id", "a/b"), "module id 'a/b' contains '/'");
  EXPECT_EQ(id_problem("device id", std::string_view("a\0b", 3)), "device id contains a control character");
}

TEST(LinkAddress, CbsNode) {
  EXPECT_TRUE(is_cbs_address("$cbs"));
  EXPECT_TRUE(is_cbs_address("/$cbs"));
  EXPECT_TRUE(is_cbs_address("amqps://myhub.local/$cbs"));
  EXPECT_FALSE(is_cbs_address("cbs"));
  EXPECT_FALSE(is_cbs_address("$cbs/x"));
  EXPECT_FALSE(is_cbs_address("amqps://$cbs"));
  EXPECT_FALSE(is_cbs_address("/devices/d/$cbs"));
  EXPECT_FALSE(is_cbs_address(""));
}

TEST(LinkAddress, KindNames) {
  EXPECT_STREQ(link_kind_name(LinkKind::events), "events");
  EXPECT_STREQ(link_kind_name(LinkKind::devicebound), "devicebound");
  EXPECT_STREQ(link_kind_name(LinkKind::methods), "methods");
  EXPECT_STREQ(link_kind_name(LinkKind::twin), "twin");
}

}  // namespace
}  // namespace outpost::amqp

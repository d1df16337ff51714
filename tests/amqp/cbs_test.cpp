#include "cbs.h"

#include <gtest/gtest.h>
#include <proton/binary.hpp>
#include <proton/codec/vector.hpp>
#include <proton/uuid.hpp>

namespace outpost::amqp {
namespace {

constexpr const char* kSas =
    "SharedAccessSignature sr=myhub.local%2Fdevices%2Fedge1%2Fmodules%2FA&sig=abc%3D&se=1796479200";

// A put-token as the Node SDK (rhea) sends it (sdk-wire-facts.md (c)).
proton::message cbs_request() {
  proton::message m;
  m.id(proton::message_id(std::string("9f1c3b0e-2f4a-4c1d-8a55-0b7e6f3d2c11")));
  m.to("$cbs");
  m.reply_to("cbs");
  m.properties().put("operation", std::string("put-token"));
  m.properties().put("type", std::string("servicebus.windows.net:sastoken"));
  m.properties().put("name", std::string("myhub.local%2Fdevices%2Fedge1%2Fmodules%2FA"));
  m.body(std::string(kSas));
  return m;
}

proton::message through_proton(const proton::message& m) {
  proton::message out;
  out.decode(m.encode());
  return out;
}

void expect_refused(const proton::message& request, const std::string& error) {
  const auto parsed = parse_put_token(through_proton(request));
  ASSERT_FALSE(parsed) << error;
  EXPECT_EQ(parsed.error(), error);
}

TEST(CbsRequest, ParsesTheNodeSdksPutToken) {
  const auto parsed = parse_put_token(through_proton(cbs_request()));
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(parsed->audience, "myhub.local%2Fdevices%2Fedge1%2Fmodules%2FA");
  EXPECT_EQ(parsed->token, kSas);
  EXPECT_EQ(parsed->reply_to, "cbs");
  EXPECT_EQ(parsed->request_id, proton::message_id(std::string("9f1c3b0e-2f4a-4c1d-8a55-0b7e6f3d2c11")));
}

TEST(CbsRequest, AcceptsADataSectionTheOtherTokenTypeAndAnExpiration) {
  auto m = cbs_request();
  m.body(proton::binary(std::string("token")));
  m.inferred(true);
  m.properties().put("type", std::string("azure-devices.net:sastoken"));
  m.properties().put("expiration", std::string("1796479200"));
  m.id(proton::message_id(std::uint64_t{7}));
  const auto parsed = parse_put_token(through_proton(m));
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(parsed->token, "token");
  EXPECT_EQ(parsed->request_id, proton::message_id(std::uint64_t{7}));
}

TEST(CbsRequest, TokensUpTo4KB) {
  auto m = cbs_request();
  m.body(std::string(4096, 't'));
  EXPECT_TRUE(parse_put_token(through_proton(m)));
  m.body(std::string(4097, 't'));
  expect_refused(m, "put-token: a token of 4097 bytes (at most 4096)");
}

TEST(CbsRequest, RefusesWhatIsNotAPutToken) {
  auto no_id = cbs_request();
  no_id.id(proton::message_id());
  expect_refused(no_id, "put-token: no message-id");

  auto no_operation = cbs_request();
  no_operation.properties().erase("operation");
  expect_refused(no_operation, "put-token: no 'operation'");

  auto delete_token = cbs_request();
  delete_token.properties().put("operation", std::string("delete-token"));
  expect_refused(delete_token, "put-token: operation 'delete-token' is not supported (only put-token)");

  auto jwt = cbs_request();
  jwt.properties().put("type", std::string("jwt"));
  expect_refused(jwt, "put-token: token type 'jwt' is not supported");

  auto no_type = cbs_request();
  no_type.properties().erase("type");
  expect_refused(no_type, "put-token: no 'type'");

  auto no_name = cbs_request();
  no_name.properties().erase("name");
  expect_refused(no_name, "put-token: no 'name'");

  auto empty_name = cbs_request();
  empty_name.properties().put("name", std::string());
  expect_refused(empty_name, "put-token: empty 'name' (the audience)");

  auto numeric_name = cbs_request();
  numeric_name.properties().put("name", std::int32_t{5});
  expect_refused(numeric_name, "put-token: 'name' is an AMQP int, not a string");

  auto no_token = cbs_request();
  no_token.body(proton::value());
  expect_refused(no_token, "put-token: no token");

  auto empty_token = cbs_request();
  empty_token.body(std::string());
  expect_refused(empty_token, "put-token: no token");

  auto list_token = cbs_request();
  list_token.body(std::vector<proton::value>{proton::value(std::string("a"))});
  expect_refused(list_token, "put-token: the token is an AMQP list, not a string or a data section");

  auto null_expiration = cbs_request();
  null_expiration.properties().put("expiration", proton::scalar());
  EXPECT_TRUE(parse_put_token(through_proton(null_expiration)));
}

TEST(CbsReply, EchoesTheRequestIdWithItsType) {
  const proton::message_id ids[] = {
      proton::message_id(std::string("9f1c3b0e-2f4a-4c1d-8a55-0b7e6f3d2c11")),
      proton::message_id(proton::uuid::random()),
      proton::message_id(std::uint64_t{42}),
      proton::message_id(proton::binary(std::string("\x01\x02", 2))),
  };
  for (const auto& id : ids) {
    auto request = cbs_request();
    request.id(id);
    const auto parsed = parse_put_token(through_proton(request));
    ASSERT_TRUE(parsed) << parsed.error();
    const auto reply = through_proton(put_token_reply(parsed->request_id, 200, "OK"));
    EXPECT_EQ(reply.correlation_id().type(), id.type());
    EXPECT_EQ(reply.correlation_id(), id);
  }
}

TEST(CbsReply, CarriesANumericStatusAndItsDescription) {
  const auto reply = through_proton(put_token_reply(proton::message_id(std::string("r")), 401, "token refused"));
  const auto status = reply.properties().get("status-code");
  EXPECT_EQ(status.type(), proton::INT);  // rhea refuses a status in a string
  EXPECT_EQ(status, proton::scalar(std::int32_t{401}));
  EXPECT_EQ(reply.properties().get("status-description"), proton::scalar(std::string("token refused")));
  // A request without an id gets an uncorrelated reply rather than none.
  EXPECT_EQ(through_proton(put_token_reply(proton::message_id(), 400, "x")).correlation_id().type(), proton::NULL_TYPE);
}

TEST(CbsAudience, ParsesDevicesAndModules) {
  const auto device = parse_audience("myhub.local/devices/edge1");
  ASSERT_TRUE(device) << device.error();
  EXPECT_EQ(device->host, "myhub.local");
  EXPECT_EQ(device->identity, (iothub::Identity{"edge1", std::nullopt}));

  const auto module = parse_audience("myhub.local/devices/edge1/modules/A");
  ASSERT_TRUE(module) << module.error();
  EXPECT_EQ(module->host, "myhub.local");
  EXPECT_EQ(module->identity, (iothub::Identity{"edge1", "A"}));

  const auto with_scheme = parse_audience("amqps://myhub.local/devices/edge1/modules/A");
  ASSERT_TRUE(with_scheme) << with_scheme.error();
  EXPECT_EQ(with_scheme->host, "myhub.local");
  EXPECT_EQ(with_scheme->identity, (iothub::Identity{"edge1", "A"}));
}

TEST(CbsAudience, DecodesPercentEncoding) {
  // The C# SDK encodes the ids.
  const auto csharp = parse_audience("myhub.local/devices/edge1/modules/%24edgeHub");
  ASSERT_TRUE(csharp) << csharp.error();
  EXPECT_EQ(csharp->identity, (iothub::Identity{"edge1", "$edgeHub"}));
  // The Node SDK sends its token's sr, encoded as a whole.
  const auto node = parse_audience("myhub.local%2Fdevices%2Fedge1%2Fmodules%2FA");
  ASSERT_TRUE(node) << node.error();
  EXPECT_EQ(node->host, "myhub.local");
  EXPECT_EQ(node->identity, (iothub::Identity{"edge1", "A"}));
  // Decoded once only: an encoded '%' stays a '%'.
  const auto percent = parse_audience("myhub.local%2Fdevices%2F50%2541");
  ASSERT_TRUE(percent) << percent.error();
  EXPECT_EQ(percent->identity.device_id, "50%41");
  // '%' is legal in ids: one that starts no escape is kept.
  const auto raw = parse_audience("myhub.local/devices/50%off");
  ASSERT_TRUE(raw) << raw.error();
  EXPECT_EQ(raw->identity.device_id, "50%off");
}

TEST(CbsAudience, ErrorsNameTheAudienceAndTheFault) {
  const std::pair<const char*, const char*> cases[] = {
      {"myhub.local/devices/edge1%2Fx", "audience 'myhub.local/devices/edge1%2Fx': device id 'edge1/x' contains '/'"},
      {"myhub.local/devices/e%23/modules/A", "device id 'e#' contains '#'"},
      {"myhub.local/devices/e/modules/%00", "module id contains a control character"},
      {"myhub.local", "no /devices/{id} after the host"},
      {"myhub.local%2", "bad percent-encoding"},
      {"/devices/edge1", "no host"},
      {"amqps:///devices/edge1", "no host"},
      {"myhub.local/devices/", "empty device id"},
      {"myhub.local/devices//modules/A", "empty device id"},
      {"myhub.local/devices/edge1/modules/", "empty module id"},
      {"myhub.local/devices/edge1/", "expected {host}/devices/{device}[/modules/{module}]"},
      {"myhub.local/devices/edge1/modules", "expected {host}/devices/{device}[/modules/{module}]"},
      {"myhub.local/devices/edge1/modules/A/x", "expected {host}/devices/{device}[/modules/{module}]"},
      {"myhub.local/devices/edge1/things/A", "expected {host}/devices/{device}[/modules/{module}]"},
      {"myhub.local/things/edge1", "expected {host}/devices/{device}[/modules/{module}]"},
      {"", "no /devices/{id} after the host"},
  };
  for (const auto& [audience, error] : cases) {
    const auto parsed = parse_audience(audience);
    ASSERT_FALSE(parsed) << audience;
    EXPECT_NE(parsed.error().find(error), std::string::npos) << audience << " -> " << parsed.error();
    EXPECT_EQ(parsed.error().rfind("audience '", 0), 0u) << parsed.error();
  }
}

}  // namespace
}  // namespace outpost::amqp

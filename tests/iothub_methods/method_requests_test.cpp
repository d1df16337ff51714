// Direct-method calls over the service REST API: the request body and the answer.
#include "outpost/iothub_methods/method_requests.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace outpost::iothub {
namespace {

TEST(MethodRequests, ReadsTheBodyWithIoTHubsDefaultsAndLimits) {
  MethodRequest call;
  ASSERT_FALSE(parse_method_request(R"({"methodName":"reboot"})", call));
  EXPECT_EQ(call.method, "reboot");
  EXPECT_EQ(call.payload_json, "null");
  EXPECT_EQ(call.response_timeout, std::chrono::seconds(30));
  EXPECT_EQ(call.connect_timeout, std::chrono::seconds(0));
  ASSERT_FALSE(parse_method_request(
      R"({"methodName":"m","payload":{"a":[1]},"responseTimeoutInSeconds":5,"connectTimeoutInSeconds":300})", call));
  EXPECT_EQ(nlohmann::json::parse(call.payload_json), nlohmann::json::parse(R"({"a":[1]})"));
  EXPECT_EQ(call.response_timeout, std::chrono::seconds(5));
  EXPECT_EQ(call.connect_timeout, std::chrono::seconds(300));
}

TEST(MethodRequests, NamesWhatIsWrong) {
  MethodRequest call;
  const auto status_of = [&](const std::string& body) {
    const auto e = parse_method_request(body, call);
    return e ? e->status : 0;
  };
  EXPECT_EQ(parse_method_request("{not json", call)->message, "the body is not valid JSON");
  for (const auto* body : {"", "[]", "{}", R"({"methodName":""})", R"({"methodName":7})"})
    EXPECT_EQ(status_of(body), 400) << body;
  EXPECT_EQ(parse_method_request(R"({"methodName":"m","responseTimeoutInSeconds":4})", call)->message,
            "responseTimeoutInSeconds must be a whole number from 5 to 300");
  // A string where a number belongs is an error, not an exception.
  EXPECT_EQ(status_of(R"({"methodName":"m","responseTimeoutInSeconds":"30"})"), 400);
  EXPECT_EQ(status_of(R"({"methodName":"m","connectTimeoutInSeconds":301})"), 400);
  EXPECT_EQ(status_of(R"({"methodName":"m","connectTimeoutInSeconds":-1})"), 400);
  const std::string big = R"({"methodName":"m","payload":")" + std::string(kMaxMethodPayloadSize, 'x') + "\"}";
  EXPECT_EQ(status_of(big), 413);
}

TEST(MethodRequests, AnswersWithTheDevicesStatusAndPayloadOrIoTHubsErrors) {
  const Identity target{"edge1", std::string("A")};
  auto ok = method_answer({201, R"({"done":true})", true}, target);
  ASSERT_FALSE(ok.error);
  EXPECT_EQ(nlohmann::json::parse(ok.body), nlohmann::json::parse(R"({"status":201,"payload":{"done":true}})"));
  EXPECT_EQ(nlohmann::json::parse(method_answer({200, "not json", true}, target).body)["payload"], "not json");
  const auto offline = method_answer({404, "{}", false}, target);
  ASSERT_TRUE(offline.error);
  EXPECT_EQ(offline.error->status, 404);
  EXPECT_EQ(offline.error->code, "DeviceNotOnline");
  const auto late = method_answer({504, "{}", false}, target);
  ASSERT_TRUE(late.error);
  EXPECT_EQ(late.error->code, "GatewayTimeout");
  EXPECT_EQ(late.error->message, "Timed out waiting for the response from 'edge1/A'");
}

// A payload or an answer nested 100,000 deep once overflowed the stack when it was copied
// or dumped; both are refused at the door now.
TEST(MethodRequests, RefusesTooDeepPayloadsAndAnswers) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  MethodRequest call;
  const auto refused = parse_method_request(R"({"methodName":"m","payload":)" + deep + "}", call);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400);
  EXPECT_EQ(refused->message, "the body is JSON nested deeper than 128 levels");
  const auto answer = method_answer({200, deep, true}, Identity{"edge1", std::string("A")});
  ASSERT_TRUE(answer.error);
  EXPECT_EQ(answer.error->status, 400);
  EXPECT_EQ(answer.error->message, "the answer of 'edge1/A' is JSON nested deeper than 128 levels");
}

}  // namespace
}  // namespace outpost::iothub

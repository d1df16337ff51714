// The C2D HTTP-header mapping the cloud's queue and the edge hub's relay share.
#include "outpost/iothub/c2d_headers.h"

#include <gtest/gtest.h>

namespace outpost::iothub {
namespace {

TEST(C2dHeaders, MapsEveryHeaderIoTHubTakes) {
  C2dRequest c2d;
  const auto error = c2d_request_from_http({{"IotHub-MessageId", "m1"},
                                            {"iothub-correlationid", "c1"},
                                            {"iothub-userid", "ops"},
                                            {"iothub-ack", "full"},
                                            {"iothub-expiry", "2030-01-02T03:04:05.678Z"},
                                            {"Content-Type", "application/json"},
                                            {"Content-Encoding", "utf-8"},
                                            {"iothub-app-Colour", "blue"},
                                            {"Authorization", "SharedAccessSignature ..."},
                                            {"iothub-app-", "ignored: no name"}},
                                           "{\"open\":true}", c2d);
  ASSERT_FALSE(error) << error->message;
  const auto& m = c2d.message;
  EXPECT_EQ(m.body, "{\"open\":true}");
  EXPECT_EQ(m.system.get(sysprop::kMessageId), "m1");
  EXPECT_EQ(m.system.get(sysprop::kCorrelationId), "c1");
  EXPECT_EQ(m.system.get(sysprop::kUserId), "ops");
  EXPECT_EQ(m.system.get(sysprop::kAck), "full");
  EXPECT_EQ(m.system.get(sysprop::kContentType), "application/json");
  EXPECT_EQ(m.system.get(sysprop::kContentEncoding), "utf-8");
  EXPECT_EQ(m.system.get(sysprop::kExpiryTime), "2030-01-02T03:04:05.678Z");
  EXPECT_EQ(c2d.expiry_ms, 1893553445678);
  EXPECT_EQ(expiry_of(m), 1893553445678);
  ASSERT_EQ(m.application.size(), 1u);
  EXPECT_EQ(m.application.get("Colour"), "blue");  // the name keeps its case
  EXPECT_EQ(m.system.size(), 7u);
}

TEST(C2dHeaders, RefusesABadExpiryAndMessagesOver64KB) {
  C2dRequest c2d;
  const auto bad = c2d_request_from_http({{"iothub-expiry", "soon"}}, "x", c2d);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(bad->code, "ArgumentInvalid");
  EXPECT_EQ(bad->message, "iothub-expiry must be an ISO 8601 UTC time, got 'soon'");
  const auto big = c2d_request_from_http({{"iothub-app-k", "v"}}, std::string(kMaxC2dMessageSize, 'x'), c2d);
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_EQ(big->code, "MessageTooLarge");
  EXPECT_FALSE(c2d_request_from_http({}, std::string(kMaxC2dMessageSize, 'x'), c2d));
  EXPECT_FALSE(c2d.expiry_ms);
  EXPECT_FALSE(expiry_of(c2d.message));
}

}  // namespace
}  // namespace outpost::iothub

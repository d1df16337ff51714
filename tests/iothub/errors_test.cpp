// IoT Hub's error shapes, as the SDKs parse them.
#include "outpost/iothub/errors.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace outpost::iothub {
namespace {

TEST(Errors, TheRestBodyCarriesTheCodeWhereTheServiceSdksReadIt) {
  const ManualClock clock;
  const auto body = nlohmann::json::parse(service_error_body(device_not_found("dev9"), clock));
  // azure-iothub: Message.split(';'), then the code after "ErrorCode:".
  EXPECT_EQ(body["Message"], "ErrorCode:DeviceNotFound;Device 'dev9' was not found");
  const auto tracking = body["ExceptionMessage"].get<std::string>();
  EXPECT_EQ(tracking.rfind("Tracking ID:", 0), 0u) << tracking;
  EXPECT_NE(tracking.find("-TimeStamp:2023-11-14T22:13:20.000Z"), std::string::npos) << tracking;
  EXPECT_EQ(identity_not_found({"d", std::string("m")}).code, "ModuleNotFound");
  EXPECT_EQ(identity_not_found({"d", std::nullopt}).status, 404);
  EXPECT_EQ(unauthorized("x").code, "IotHubUnauthorizedAccess");
  EXPECT_EQ(unauthorized("x").status, 401);
}

TEST(Errors, TheNumericBodyIsWhatTheDeviceSdksTakeAsATwinError) {
  EXPECT_EQ(nlohmann::json::parse(numeric_error_body(400004, "bad \"patch\"")),
            (nlohmann::json{{"errorCode", 400004}, {"message", "bad \"patch\""}}));
}

}  // namespace
TEST(Errors, BodiesQuotingBytesThatAreNotUtf8AreWrittenNotThrown) {
  const auto body = nlohmann::json::parse(service_error_body(bad_request("GET /devices/\xbe\xef is unknown")));
  EXPECT_NE(body["Message"].get<std::string>().find("GET /devices/"), std::string::npos);
  const auto numeric = nlohmann::json::parse(numeric_error_body(400, "bad \xff"));
  EXPECT_EQ(numeric["errorCode"], 400);
}

}  // namespace outpost::iothub

#include "outpost/core/twin.h"

#include <gtest/gtest.h>

namespace outpost {
namespace {

using nlohmann::json;

TEST(Twin, StartsEmptyAtVersionOne) {
  TwinProperties twin;
  EXPECT_EQ(twin.to_json(), json::parse(R"({"desired":{"$version":1},"reported":{"$version":1}})"));
}

TEST(Twin, ReportedPatchMergesDeletesWithNullAndBumpsVersion) {
  TwinProperties twin;
  ASSERT_TRUE(twin.apply_reported_patch(json::parse(R"({"a":1,"b":{"c":2,"d":3}})")));
  ASSERT_TRUE(twin.apply_reported_patch(json::parse(R"({"a":null,"b":{"c":null,"e":[1,2]}})")));
  EXPECT_EQ(twin.reported(), json::parse(R"({"b":{"d":3,"e":[1,2]},"$version":3})"));
  EXPECT_EQ(twin.desired_version(), 1);
}

TEST(Twin, DesiredReplaceAndPatch) {
  TwinProperties twin;
  ASSERT_TRUE(twin.replace_desired(json::parse(R"({"x":1,"y":2})")));
  ASSERT_TRUE(twin.apply_desired_patch(json::parse(R"({"y":null,"z":true})")));
  EXPECT_EQ(twin.desired(), json::parse(R"({"x":1,"z":true,"$version":3})"));
  ASSERT_TRUE(twin.replace_desired(json::parse(R"({"w":0})")));
  EXPECT_EQ(twin.desired(), json::parse(R"({"w":0,"$version":4})"));
}

TEST(Twin, MergeDiffTurnsOneDocumentIntoAnother) {
  const auto from = json::parse(R"({"a":1,"b":{"c":2,"d":3},"e":"x"})");
  const auto to = json::parse(R"({"a":1,"b":{"c":5},"f":true})");
  const auto diff = merge_diff(from, to);
  EXPECT_EQ(diff, json::parse(R"({"b":{"c":5,"d":null},"e":null,"f":true})"));
  auto applied = from;
  merge_patch(applied, diff);
  EXPECT_EQ(applied, to);
  EXPECT_TRUE(merge_diff(to, to).empty());
}

TEST(Twin, TakesCloudStateWithItsVersions) {
  TwinProperties twin;
  twin.set_desired(json::parse(R"({"x":1,"$version":17,"$metadata":{}})"), 17);
  twin.set_reported(json::parse(R"({"y":2})"), 9);
  EXPECT_EQ(twin.to_json(), json::parse(R"({"desired":{"x":1,"$version":17},"reported":{"y":2,"$version":9}})"));
}

TEST(Twin, LoadsFromItsJsonShape) {
  TwinProperties twin(json::parse(R"({"desired":{"a":1,"$version":7},"reported":{"$version":3}})"));
  EXPECT_EQ(twin.desired_version(), 7);
  EXPECT_EQ(twin.reported_version(), 3);
  EXPECT_EQ(twin.desired()["a"], 1);
}

struct LimitCase {
  const char* patch;
  const char* error;
};

class TwinLimitTest : public ::testing::TestWithParam<LimitCase> {};

TEST_P(TwinLimitTest, NamesTheKeyAndTheRule) {
  TwinProperties twin;
  const auto before = twin.to_json();
  const auto status = twin.apply_reported_patch(json::parse(GetParam().patch));
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error(), GetParam().error);
  EXPECT_EQ(twin.to_json(), before) << "a rejected patch must change nothing";
}

INSTANTIATE_TEST_SUITE_P(
    IotHubRules, TwinLimitTest,
    ::testing::Values(
        LimitCase{R"({"a.b":1})", "reported.a.b: key contains '.'"},
        LimitCase{R"({"cfg":{"x$":1}})", "reported.cfg.x$: key contains '$'"},
        LimitCase{R"({"h#":1})", "reported.h#: key contains '#'"},
        LimitCase{R"({"sp ace":1})", "reported.sp ace: key contains whitespace"},
        LimitCase{R"({"ctl\u0001":1})", "reported.ctl\u0001: key contains a control character"},
        LimitCase{R"({"arr":[1,null]})", "reported.arr[1]: arrays may not contain null"},
        LimitCase{R"({"big":4503599627370496})", "reported.big: integer outside -2^52..2^52-1"},
        LimitCase{R"({"neg":-4503599627370497})", "reported.neg: integer outside -2^52..2^52-1"},
        LimitCase{R"({"l1":{"l2":{"l3":{"l4":{"l5":{"l6":{"l7":{"l8":{"l9":{"l10":{"l11":1}}}}}}}}}}})",
                  "reported.l1.l2.l3.l4.l5.l6.l7.l8.l9.l10: nesting deeper than 10 levels"},
        LimitCase{"[1]", "reported: patch must be a JSON object"}));

TEST(Twin, AcceptsTheLargestLegalValues) {
  TwinProperties twin;
  EXPECT_TRUE(twin.apply_reported_patch(json::parse(
      R"({"max":4503599627370495,"min":-4503599627370496,"l1":{"l2":{"l3":{"l4":{"l5":{"l6":{"l7":{"l8":{"l9":1}}}}}}}}})")));
}

TEST(Twin, RejectsLongStringsAndKeysAndBigDocuments) {
  TwinProperties twin;
  EXPECT_EQ(twin.apply_reported_patch(json{{"s", std::string(4097, 'x')}}).error(),
            "reported.s: string value is longer than 4096 bytes");
  EXPECT_EQ(twin.apply_reported_patch(json{{std::string(1025, 'k'), 1}}).error().substr(0, 60),
            "reported." + std::string(51, 'k'));
  json big = json::object();
  for (int i = 0; i < 10; ++i) big["k" + std::to_string(i)] = std::string(4000, 'v');
  EXPECT_EQ(twin.apply_reported_patch(big).error(),
            "reported: document is 40081 bytes, more than the 32768 byte limit");
}

}  // namespace
}  // namespace outpost

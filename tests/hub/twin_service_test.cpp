// The hub's copy of twins: reported and desired patches with versions, IoT Hub's limits,
// persistence in the state database, and merging what the cloud sends after a reconnect.
#include "twin_service.h"

#include <gtest/gtest.h>

#include "hub/hub_test_util.h"

namespace outpost::hub {
namespace {

using nlohmann::json;

const iothub::Identity kA{"edge1", std::string("A")};
const iothub::Identity kLeaf{"leaf1", std::nullopt};

class TwinServiceTest : public ::testing::Test {
 protected:
  TwinServiceTest() { reopen(); }
  void reopen() {
    twins_.reset();
    kv_.reset();
    kv_ = testing::open_test_kv(dir_.path() / "state.db");
    twins_ = std::make_unique<TwinService>(*kv_);
  }
  testing::TempDir dir_;
  std::unique_ptr<kv::KvDatabase> kv_;
  std::unique_ptr<TwinService> twins_;
};

TEST_F(TwinServiceTest, ANewTwinIsEmptyAtVersionOne) {
  const auto& t = twins_->get(kA);
  EXPECT_EQ(t.desired_version(), 1);
  EXPECT_EQ(t.reported_version(), 1);
  EXPECT_EQ(t.to_json(), json::parse(R"({"desired":{"$version":1},"reported":{"$version":1}})"));
}

TEST_F(TwinServiceTest, PatchesBumpVersionsAndSurviveARestart) {
  EXPECT_EQ(testing::version_of(twins_->patch_reported(kA, {{"fw", "1.0"}, {"temp", 20}})), 2);
  EXPECT_EQ(testing::version_of(twins_->patch_reported(kA, {{"temp", nullptr}})), 3);
  EXPECT_EQ(testing::version_of(twins_->patch_desired(kA, {{"rate", 5}})), 2);
  reopen();
  const auto& t = twins_->get(kA);
  EXPECT_EQ(t.reported(), json::parse(R"({"fw":"1.0","$version":3})"));
  EXPECT_EQ(t.desired(), json::parse(R"({"rate":5,"$version":2})"));
  EXPECT_EQ(twins_->get(kLeaf).reported_version(), 1) << "each identity has its own twin";
}

TEST_F(TwinServiceTest, AnInvalidPatchChangesNothingAndSaysWhy) {
  ASSERT_TRUE(twins_->patch_reported(kA, {{"fw", "1.0"}}));
  const auto refused = twins_->patch_reported(kA, {{"a$b", 1}});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("a$b"), std::string::npos) << refused.error();
  const auto too_long = twins_->patch_desired(kA, {{"s", std::string(5000, 'x')}});
  EXPECT_FALSE(too_long);
  reopen();
  EXPECT_EQ(twins_->get(kA).reported(), json::parse(R"({"fw":"1.0","$version":2})"));
  EXPECT_EQ(twins_->get(kA).desired_version(), 1);
}

TEST_F(TwinServiceTest, AStoredTwinNestedTooDeepStartsEmptyInsteadOfCrashing) {
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  ASSERT_TRUE(kv_->put("twins", kA.id(), R"({"reported":)" + deep + "}"));
  reopen();
  EXPECT_EQ(twins_->get(kA).reported_version(), 1);
  EXPECT_EQ(testing::version_of(twins_->patch_reported(kA, {{"fw", "1.0"}})), 2) << "and takes patches again";
}

TEST_F(TwinServiceTest, ReplaceDesiredDropsKeysThePatchWouldKeep) {
  ASSERT_TRUE(twins_->patch_desired(kA, {{"a", 1}, {"b", 2}}));
  EXPECT_EQ(testing::version_of(twins_->replace_desired(kA, {{"c", 3}})), 3);
  EXPECT_EQ(twins_->get(kA).desired(), json::parse(R"({"c":3,"$version":3})"));
}

TEST_F(TwinServiceTest, TakesTheCloudsDesiredAndReturnsWhatChangedForTheClient) {
  ASSERT_TRUE(twins_->patch_desired(kA, {{"a", 1}, {"b", 2}}));  // local version 2
  // The service shape ({"properties":{"desired":...}}) and the device shape both work.
  const auto diff = twins_->take_cloud_twin(
      kA, json::parse(R"({"properties":{"desired":{"a":1,"c":3,"$version":7,"$metadata":{}}}})"));
  ASSERT_TRUE(diff);
  EXPECT_EQ(*diff, json::parse(R"({"b":null,"c":3,"$version":7})"));
  EXPECT_EQ(twins_->get(kA).desired_version(), 7);
  EXPECT_FALSE(twins_->take_cloud_twin(kA, json::parse(R"({"desired":{"a":1,"c":3,"$version":7}})")))
      << "the same twin again changes nothing";
  EXPECT_FALSE(twins_->take_cloud_twin(kA, json::parse(R"({"reported":{}})"))) << "no desired section: ignored";
  reopen();
  EXPECT_EQ(twins_->get(kA).desired(), json::parse(R"({"a":1,"c":3,"$version":7})"));
}

TEST_F(TwinServiceTest, ACloudDesiredPatchMergesWithTheCloudsVersion) {
  ASSERT_TRUE(twins_->patch_desired(kA, {{"a", 1}, {"b", 2}}));
  twins_->take_cloud_desired_patch(kA, json::parse(R"({"b":null,"c":{"d":4},"$version":9})"), 9);
  EXPECT_EQ(twins_->get(kA).desired(), json::parse(R"({"a":1,"c":{"d":4},"$version":9})"));
  reopen();
  EXPECT_EQ(twins_->get(kA).desired_version(), 9);
}

TEST_F(TwinServiceTest, AStoredTwinThatIsNotJsonStartsEmpty) {
  ASSERT_TRUE(kv_->put("twins", kA.id(), "{not json"));
  EXPECT_EQ(twins_->get(kA).reported_version(), 1);
  EXPECT_EQ(testing::version_of(twins_->patch_reported(kA, {{"fw", "2"}})), 2) << "and can be written again";
}

}  // namespace
}  // namespace outpost::hub

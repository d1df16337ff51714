// Twins (tags, desired, reported, versions, etags, the patches pushed to devices) and
// deployments at scale: targetCondition, priority, layering, re-evaluation, applyConfigurationContent.
#include <gtest/gtest.h>

#include "deployments.h"
#include "ids.h"
#include "registry.h"
#include "sqlite_cloud_database.h"
#include "twins.h"
#include "cloud_test_util.h"

namespace outpost::cloud {
namespace {

using nlohmann::json;

TEST(MergeDiff, ProducesNullsForRemovedKeys) {
  const auto from = json::parse(R"({"a":1,"b":{"c":2,"d":3},"e":4})");
  const auto to = json::parse(R"({"a":1,"b":{"c":5},"f":6})");
  EXPECT_EQ(merge_diff(from, to), json::parse(R"({"b":{"c":5,"d":null},"e":null,"f":6})"));
  EXPECT_EQ(merge_diff(to, to), json::object());
}

class TwinsTest : public ::testing::Test {
 protected:
  TwinsTest() {
    twins.observe([this](const TwinChange& c) { changes.push_back(c); });
    EXPECT_TRUE(registry.put_device("dev1", json::object(), std::nullopt).ok());
  }
  testing::TempDir dir;
  SqliteCloudDatabase storage{dir.path() / "registry.db"};
  ManualClock clock;
  Registry registry{storage, clock};
  TwinService twins{storage};
  std::vector<TwinChange> changes;
  const iothub::Identity dev1{"dev1", std::nullopt};
};

TEST_F(TwinsTest, ServicePatchesTagsAndDesiredAndTheDeviceHearsADiff) {
  auto t = twins.update_from_service(dev1, json::parse(R"({"tags":{"env":"prod"},"properties":{"desired":{"a":1,"b":{"c":2}}}})"),
                                     false, std::nullopt);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->tags["env"], "prod");
  EXPECT_EQ(t->properties.desired_version(), 2);
  EXPECT_EQ(t->version, 2);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_TRUE(changes[0].tags_changed);
  EXPECT_EQ(*changes[0].desired_patch, json::parse(R"({"a":1,"b":{"c":2},"$version":2})"));

  // PUT replaces: b disappears, so the device is told b = null.
  auto r = twins.update_from_service(dev1, json::parse(R"({"properties":{"desired":{"a":1}}})"), true, quote_etag(t->etag));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->tags, json::object());
  EXPECT_EQ(*changes.back().desired_patch, json::parse(R"({"b":null,"$version":3})"));

  // An etag from before is refused; the same content is no change at all.
  EXPECT_EQ(twins.update_from_service(dev1, json{{"tags", {{"x", 1}}}}, false, quote_etag(t->etag)).error().status, 412);
  const auto before = changes.size();
  auto same = twins.update_from_service(dev1, json::parse(R"({"properties":{"desired":{"a":1}}})"), false, std::nullopt);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->version, r->version);
  EXPECT_EQ(changes.size(), before);
}

TEST_F(TwinsTest, ReportedPatchesAreValidatedAndVersioned) {
  auto t = twins.patch_reported(dev1, json::parse(R"({"fw":"1.0","cfg":{"x":1}})"));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->properties.reported_version(), 2);
  t = twins.patch_reported(dev1, json::parse(R"({"cfg":null})"));
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->properties.reported().contains("cfg"));
  auto bad = twins.patch_reported(dev1, json::parse(R"({"a.b":1})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().status, 400);
  EXPECT_NE(bad.error().message.find("a.b"), std::string::npos);
  EXPECT_EQ(twins.patch_reported({"ghost", std::nullopt}, json::object()).error().code, "DeviceNotFound");
  EXPECT_TRUE(changes.back().reported_changed);
}

TEST(ModulesContent, BaseAndLayeredParsing) {
  auto base = parse_modules_content(json::parse(R"({
    "$edgeAgent": {"properties.desired": {"schemaVersion": "1.1", "modules": {"a": {"v": 1}}}},
    "$edgeHub": {"properties.desired": {"routes": {}}}})"));
  ASSERT_TRUE(base.ok()) << base.error();
  EXPECT_FALSE(base->layered());
  auto layer = parse_modules_content(json::parse(R"({
    "$edgeAgent": {"properties.desired.modules.b": {"v": 2}},
    "$edgeHub": {"properties.desired.routes.r2": "FROM /* INTO $upstream"},
    "b": {"properties.desired": {"k": 1}}})"));
  ASSERT_TRUE(layer.ok()) << layer.error();
  EXPECT_TRUE(layer->layered());
  std::map<std::string, json> desired = base->full;
  apply_layer(desired, *layer);
  EXPECT_EQ(desired["$edgeAgent"]["modules"], json::parse(R"({"a":{"v":1},"b":{"v":2}})"));
  EXPECT_EQ(desired["$edgeHub"]["routes"]["r2"], "FROM /* INTO $upstream");
  EXPECT_EQ(desired["b"], json::parse(R"({"k":1})"));
  EXPECT_FALSE(parse_modules_content(json::parse(R"({"m": {"props": {}}})")).ok());
  EXPECT_FALSE(parse_modules_content(json::parse(R"({"m": {"properties.desired..x": 1}})")).ok());
  EXPECT_FALSE(parse_modules_content(json::object()).ok());
}

class DeploymentsTest : public ::testing::Test {
 protected:
  DeploymentsTest() {
    twins.observe([this](const TwinChange& c) {
      if (!c.identity.module_id && (c.tags_changed || c.reported_changed)) deployments.evaluate_device(c.identity.device_id);
    });
    registry.observe([this](const std::string& d, const std::optional<std::string>& m, IdentityChange change) {
      if (m && change == IdentityChange::created) deployments.module_created(d, *m);
    });
  }
  json agent_desired(const std::string& device) {
    auto t = storage.get_twin({device, std::string(kEdgeAgent)});
    json d = t->properties.desired();
    d.erase("$version");
    return d;
  }
  json base(int marker) {
    return json{{"content",
                 {{"modulesContent",
                   {{"$edgeAgent", {{"properties.desired", {{"marker", marker}, {"modules", json::object()}}}}},
                    {"$edgeHub", {{"properties.desired", {{"routes", json::object()}}}}}}}}}};
  }
  void make_edge(const std::string& id, const json& tags) {
    ASSERT_TRUE(registry.put_device(id, json{{"capabilities", {{"iotEdge", true}}}}, std::nullopt).ok());
    ASSERT_TRUE(twins.update_from_service({id, std::nullopt}, json{{"tags", tags}}, false, std::nullopt).ok());
  }

  testing::TempDir dir;
  SqliteCloudDatabase storage{dir.path() / "registry.db"};
  ManualClock clock;
  Registry registry{storage, clock};
  TwinService twins{storage};
  Deployments deployments{storage, twins,
                          [](const TwinRecord& t, const DeviceRecord& d) { return twin_document(t, d, nullptr, false); },
                          clock};
};

TEST_F(DeploymentsTest, HighestPriorityBaseWinsAndLayersGoOnTop) {
  make_edge("e1", json{{"env", "prod"}});
  make_edge("e2", json{{"env", "dev"}});
  auto low = base(1);
  low["targetCondition"] = "tags.env = 'prod' OR tags.env = 'dev'";
  low["priority"] = 1;
  ASSERT_TRUE(deployments.put("low", low, std::nullopt).ok());
  EXPECT_EQ(agent_desired("e1")["marker"], 1);
  EXPECT_EQ(agent_desired("e2")["marker"], 1);

  auto high = base(2);
  high["targetCondition"] = "tags.env = 'prod'";
  high["priority"] = 5;
  clock.advance(std::chrono::seconds(1));
  ASSERT_TRUE(deployments.put("high", high, std::nullopt).ok());
  EXPECT_EQ(agent_desired("e1")["marker"], 2);
  EXPECT_EQ(agent_desired("e2")["marker"], 1);

  json layer{{"targetCondition", "tags.env = 'prod'"},
             {"priority", 10},
             {"content", {{"modulesContent", {{"$edgeAgent", {{"properties.desired.modules.sensor", {{"image", "s:1"}}}}}}}}}};
  ASSERT_TRUE(deployments.put("layer", layer, std::nullopt).ok());
  EXPECT_EQ(agent_desired("e1")["modules"]["sensor"]["image"], "s:1");
  EXPECT_EQ(agent_desired("e1")["marker"], 2);
  EXPECT_FALSE(agent_desired("e2")["modules"].contains("sensor"));
  const auto content = storage.get_device_content("e1");
  ASSERT_TRUE(content);
  EXPECT_EQ(content->configurations, (std::vector<std::string>{"high", "layer"}));

  // A tag change moves e2 into the prod deployments.
  ASSERT_TRUE(twins.update_from_service({"e2", std::nullopt}, json{{"tags", {{"env", "prod"}}}}, false, std::nullopt).ok());
  EXPECT_EQ(agent_desired("e2")["marker"], 2);
  EXPECT_EQ(agent_desired("e2")["modules"]["sensor"]["image"], "s:1");

  // Deleting the high one falls back to the low one.
  ASSERT_TRUE(deployments.remove("high", std::nullopt).ok());
  EXPECT_EQ(agent_desired("e1")["marker"], 1);

  const auto doc = deployments.document(*deployments.get("low"));
  EXPECT_EQ(doc["systemMetrics"]["results"]["targetedCount"], 2);
  EXPECT_EQ(doc["systemMetrics"]["results"]["appliedCount"], 2);
}

TEST_F(DeploymentsTest, ReportedPropertiesCanTarget) {
  make_edge("e1", json::object());
  auto b = base(7);
  b["targetCondition"] = "properties.reported.ready = true";
  ASSERT_TRUE(deployments.put("when-ready", b, std::nullopt).ok());
  EXPECT_FALSE(agent_desired("e1").contains("marker"));
  ASSERT_TRUE(twins.patch_reported({"e1", std::nullopt}, json{{"ready", true}}).ok());
  EXPECT_EQ(agent_desired("e1")["marker"], 7);
}

TEST_F(DeploymentsTest, ValidationAndImmutableContent) {
  auto missing_hub = json::parse(R"({"targetCondition":"*","content":{"modulesContent":{"$edgeAgent":{"properties.desired":{}}}}})");
  EXPECT_NE(deployments.put("x", missing_hub, std::nullopt).error().message.find("$edgeHub"), std::string::npos);
  auto b = base(1);
  EXPECT_NE(deployments.put("x", b, std::nullopt).error().message.find("targetCondition"), std::string::npos);
  b["targetCondition"] = "tags.x = ";
  EXPECT_NE(deployments.put("x", b, std::nullopt).error().message.find("targetCondition"), std::string::npos);
  b["targetCondition"] = "*";
  EXPECT_EQ(deployments.put("Upper", b, std::nullopt).error().status, 400);
  auto created = deployments.put("x", b, std::nullopt);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(deployments.put("x", b, std::nullopt).error().status, 409);
  auto changed = base(2);
  changed["targetCondition"] = "*";
  EXPECT_NE(deployments.put("x", changed, std::string("*")).error().message.find("cannot be changed"), std::string::npos);
  b["priority"] = 3;
  auto updated = deployments.put("x", b, quote_etag(created->etag));
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_EQ(updated->priority, 3);
  b["content"] = {{"deviceContent", {{"properties.desired", json::object()}}}};
  EXPECT_NE(deployments.put("y", b, std::nullopt).error().message.find("not supported"), std::string::npos);
}

TEST_F(DeploymentsTest, ApplyContentAndModulesCreatedLater) {
  make_edge("e1", json::object());
  auto content = json::parse(R"({"modulesContent":{
      "$edgeAgent":{"properties.desired":{"m":1}},
      "$edgeHub":{"properties.desired":{"routes":{}}},
      "later":{"properties.desired":{"k":"v"}}}})");
  ASSERT_TRUE(deployments.apply_content("e1", content).ok());
  EXPECT_EQ(agent_desired("e1")["m"], 1);
  ASSERT_TRUE(registry.put_module("e1", "later", json::object(), std::nullopt).ok());
  auto later = storage.get_twin({"e1", std::string("later")});
  EXPECT_EQ(later->properties.desired()["k"], "v");
  ASSERT_TRUE(registry.put_device("leaf", json::object(), std::nullopt).ok());
  EXPECT_EQ(deployments.apply_content("leaf", content).error().status, 400);
  EXPECT_EQ(deployments.apply_content("ghost", content).error().code, "DeviceNotFound");
}

}  // namespace
}  // namespace outpost::cloud

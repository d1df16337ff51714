// The IoT Hub query language: parsing (with errors that name the offset), three-valued
// evaluation over twin documents, projections, COUNT and GROUP BY.
#include <gtest/gtest.h>

#include "outpost/cloud_query/query.h"

namespace outpost::cloud::query {
namespace {

using nlohmann::json;

const json kProd = json::parse(R"({
  "deviceId": "d1", "status": "enabled", "capabilities": {"iotEdge": true},
  "tags": {"environment": "prod", "site": {"floor": 3, "name": "Oslo"}, "labels": ["a", "b"], "odd key": 1},
  "properties": {"desired": {"$version": 4}, "reported": {"x": 2, "fw": "1.2.0", "ok": true, "nothing": null}}
})");
const json kDev = json::parse(R"({
  "deviceId": "d2", "status": "disabled", "capabilities": {"iotEdge": false},
  "tags": {"environment": "dev"}, "properties": {"desired": {}, "reported": {"x": 0}}
})");

bool where(const std::string& condition, const json& doc) {
  auto parsed = parse_condition(condition);
  EXPECT_TRUE(parsed.ok()) << condition << ": " << (parsed.ok() ? "" : parsed.error());
  if (!parsed) return false;
  return matches(parsed->get(), doc);
}

TEST(QueryCondition, ComparisonsOnTagsAndProperties) {
  EXPECT_TRUE(where("tags.environment='prod' AND properties.reported.x > 1", kProd));
  EXPECT_FALSE(where("tags.environment='prod' AND properties.reported.x > 1", kDev));
  EXPECT_TRUE(where("tags.site.floor >= 3 and tags.site.name = \"Oslo\"", kProd));
  EXPECT_TRUE(where("properties.reported.fw < '1.10'", kDev) == false);
  EXPECT_TRUE(where("properties.reported.fw != '1.1.0'", kProd));
  EXPECT_TRUE(where("properties.reported.fw <> '1.1.0'", kProd));
  EXPECT_TRUE(where("capabilities.iotEdge = true", kProd));
  EXPECT_TRUE(where("properties.reported.ok = true", kProd));
  EXPECT_TRUE(where("properties.desired.$version = 4", kProd));
  EXPECT_TRUE(where("deviceId = 'd2' OR deviceId = 'd1'", kProd));
  EXPECT_TRUE(where("NOT (tags.environment = 'dev')", kProd));
  EXPECT_TRUE(where("tags['odd key'] = 1", kProd));
  EXPECT_TRUE(where("properties.reported.x = 2.0", kProd));
  EXPECT_TRUE(where("tags.site.floor > -1.5e0", kProd));
}

TEST(QueryCondition, UndefinedAndTypeMismatchesNeverSelect) {
  EXPECT_FALSE(where("tags.missing = 'x'", kProd));
  EXPECT_FALSE(where("NOT (tags.missing = 'x')", kProd));  // NOT undefined is undefined
  EXPECT_FALSE(where("tags.environment > 3", kProd));      // string vs number ordering: undefined
  EXPECT_FALSE(where("tags.site.floor = '3'", kProd));     // different types are not equal
  EXPECT_TRUE(where("tags.missing = 'x' OR deviceId = 'd1'", kProd));
  EXPECT_FALSE(where("tags.missing = 'x' AND deviceId = 'd1'", kProd));
  EXPECT_TRUE(where("properties.reported.nothing = null", kProd));
}

TEST(QueryCondition, FunctionsAndIn) {
  EXPECT_TRUE(where("IS_DEFINED(tags.site)", kProd));
  EXPECT_FALSE(where("is_defined(tags.site)", kDev));
  EXPECT_TRUE(where("IS_NULL(properties.reported.nothing) AND IS_STRING(tags.environment)", kProd));
  EXPECT_TRUE(where("IS_NUMBER(tags.site.floor) AND IS_OBJECT(tags.site) AND IS_ARRAY(tags.labels)", kProd));
  EXPECT_TRUE(where("STARTSWITH(tags.site.name, 'Os') AND ENDS_WITH(tags.site.name, 'lo')", kProd));
  EXPECT_TRUE(where("ARRAY_CONTAINS(tags.labels, 'b')", kProd));
  EXPECT_TRUE(where("tags.environment IN ('prod', 'test')", kProd));
  EXPECT_TRUE(where("tags.environment NOT IN ('prod', 'test')", kDev));
  EXPECT_TRUE(where("tags.environment NIN ('prod')", kDev));
  EXPECT_TRUE(where("LOWER(tags.site.name) = 'oslo' AND LENGTH(deviceId) = 2", kProd));
  EXPECT_TRUE(where("*", kDev));
}

TEST(QueryCondition, ErrorsNameTheOffset) {
  const auto e1 = parse_condition("tags.x = ");
  ASSERT_FALSE(e1.ok());
  EXPECT_NE(e1.error().find("at 9"), std::string::npos) << e1.error();
  const auto e2 = parse_condition("tags.x = 'open");
  ASSERT_FALSE(e2.ok());
  EXPECT_NE(e2.error().find("unterminated string"), std::string::npos) << e2.error();
  EXPECT_FALSE(parse_condition("").ok());
  EXPECT_FALSE(parse_condition("NOFUNC(tags.x)").ok());
  EXPECT_FALSE(parse_condition("IS_DEFINED(tags.x, tags.y)").ok());
  EXPECT_FALSE(parse_condition("tags.x = 1 tags.y = 2").ok());
  EXPECT_FALSE(parse_condition("tags.x = #").ok());
  std::string deep(200, '(');
  EXPECT_FALSE(parse_condition(deep + "true").ok());
  std::string nots;
  for (int i = 0; i < 100; ++i) nots += "NOT ";
  EXPECT_FALSE(parse_condition(nots + "true").ok());
  EXPECT_FALSE(parse_condition(std::string(kMaxQueryLength + 1, ' ')).ok());
}

TEST(QueryRun, SelectStarFieldsCountAndGroupBy) {
  const std::vector<json> docs{kProd, kDev};
  auto star = parse_query("select * from devices where tags.environment = 'prod'");
  ASSERT_TRUE(star.ok()) << star.error();
  EXPECT_FALSE(star->modules);
  auto rows = run(*star, docs);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["deviceId"], "d1");

  auto fields = parse_query("SELECT deviceId, tags.site.name AS site FROM devices");
  ASSERT_TRUE(fields.ok()) << fields.error();
  rows = run(*fields, docs);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], json({{"deviceId", "d1"}, {"site", "Oslo"}}));
  EXPECT_EQ(rows[1], json({{"deviceId", "d2"}}));

  auto count = parse_query("SELECT COUNT() AS numberOfDevices FROM devices WHERE status = 'enabled'");
  ASSERT_TRUE(count.ok()) << count.error();
  rows = run(*count, docs);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["numberOfDevices"], 1);

  auto grouped = parse_query(
      "SELECT tags.environment AS env, COUNT() AS n FROM devices GROUP BY tags.environment");
  ASSERT_TRUE(grouped.ok()) << grouped.error();
  rows = run(*grouped, {kProd, kDev, kProd});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], json({{"env", "prod"}, {"n", 2}}));
  EXPECT_EQ(rows[1], json({{"env", "dev"}, {"n", 1}}));

  auto modules = parse_query("SELECT * FROM devices.modules WHERE moduleId = '$edgeAgent'");
  ASSERT_TRUE(modules.ok()) << modules.error();
  EXPECT_TRUE(modules->modules);
}

TEST(QueryRun, ParseErrors) {
  EXPECT_FALSE(parse_query("SELECT * FROM jobs").ok());
  EXPECT_FALSE(parse_query("SELECT FROM devices").ok());
  EXPECT_FALSE(parse_query("SELECT * devices").ok());
  EXPECT_FALSE(parse_query("SELECT * FROM devices WHERE").ok());
  EXPECT_FALSE(parse_query("SELECT deviceId FROM devices GROUP BY tags.x").ok());  // not grouped
  EXPECT_FALSE(parse_query("SELECT * FROM devices GROUP BY tags.x").ok());
  EXPECT_FALSE(parse_query("SELECT * FROM devices.modules.x").ok());
}

}  // namespace
}  // namespace outpost::cloud::query

// The registry on the SQLite storage: IoT Hub's rules for devices and modules — generated
// keys, If-Match, edge devices with their system modules and scopes, parent/child scopes.
#include <gtest/gtest.h>

#include "ids.h"
#include "registry.h"
#include "sqlite_cloud_database.h"
#include "cloud_test_util.h"

namespace outpost::cloud {
namespace {

using nlohmann::json;

class RegistryTest : public ::testing::Test {
 protected:
  testing::TempDir dir;
  SqliteCloudDatabase storage{dir.path() / "registry.db"};
  ManualClock clock;
  Registry registry{storage, clock};
};

TEST_F(RegistryTest, CreatesDevicesWithGeneratedKeysAndATwin) {
  auto d = registry.put_device("dev1", json{{"deviceId", "dev1"}}, std::nullopt);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_TRUE(validate_symmetric_key(d->authentication.keys.primary, "k").ok());
  EXPECT_TRUE(validate_symmetric_key(d->authentication.keys.secondary, "k").ok());
  EXPECT_NE(d->authentication.keys.primary, d->authentication.keys.secondary);
  EXPECT_EQ(d->generation_id.size(), 18u);
  EXPECT_FALSE(d->etag.empty());
  EXPECT_TRUE(d->enabled);
  EXPECT_TRUE(storage.get_twin({"dev1", std::nullopt}).has_value());
  // The SDK sends empty keys when none are given: they are generated too.
  auto e = registry.put_device(
      "dev2", json::parse(R"({"authentication":{"type":"sas","symmetricKey":{"primaryKey":"","secondaryKey":""}}})"),
      std::nullopt);
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_FALSE(e->authentication.keys.primary.empty());
}

TEST_F(RegistryTest, CreateTwiceConflictsAndIfMatchGuardsUpdates) {
  auto d = registry.put_device("dev1", json::object(), std::nullopt);
  ASSERT_TRUE(d.ok());
  auto again = registry.put_device("dev1", json::object(), std::nullopt);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().status, 409);
  EXPECT_EQ(again.error().code, "DeviceAlreadyExists");

  auto stale = registry.put_device("dev1", json{{"status", "disabled"}}, std::string("\"nope\""));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().status, 412);

  auto updated = registry.put_device("dev1", json{{"status", "disabled"}}, quote_etag(d->etag));
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_FALSE(updated->enabled);
  EXPECT_EQ(updated->authentication.keys.primary, d->authentication.keys.primary);  // kept
  EXPECT_NE(updated->etag, d->etag);

  auto star = registry.put_device("dev1", json{{"status", "enabled"}}, std::string("\"*\""));
  ASSERT_TRUE(star.ok());
  EXPECT_TRUE(star->enabled);

  auto missing = registry.put_device("ghost", json::object(), std::string("*"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "DeviceNotFound");
}

TEST_F(RegistryTest, RejectsBadInputWithClearMessages) {
  auto bad_id = registry.put_device("bad/id", json::object(), std::nullopt);
  ASSERT_FALSE(bad_id.ok());
  EXPECT_NE(bad_id.error().message.find("'/'"), std::string::npos) << bad_id.error().message;
  auto mismatch = registry.put_device("a", json{{"deviceId", "b"}}, std::nullopt);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error().status, 400);
  auto bad_key = registry.put_device(
      "a", json::parse(R"({"authentication":{"symmetricKey":{"primaryKey":"c2hvcnQ="}}})"), std::nullopt);
  ASSERT_FALSE(bad_key.ok());
  EXPECT_NE(bad_key.error().message.find("16 to 64 bytes"), std::string::npos) << bad_key.error().message;
  auto bad_status = registry.put_device("a", json{{"status", "on"}}, std::nullopt);
  ASSERT_FALSE(bad_status.ok());
  auto bad_scope = registry.put_device("a", json{{"deviceScope", "ms-azure-iot-edge://nobody-1"}}, std::nullopt);
  ASSERT_FALSE(bad_scope.ok());
  EXPECT_NE(bad_scope.error().message.find("not the scope of an edge device"), std::string::npos);
}

TEST_F(RegistryTest, EdgeDevicesGetSystemModulesAndAScopeThatChildrenUse) {
  auto edge = registry.put_device("edge1", json{{"capabilities", {{"iotEdge", true}}}}, std::nullopt);
  ASSERT_TRUE(edge.ok()) << edge.error().message;
  EXPECT_EQ(edge->device_scope, edge_scope("edge1", edge->generation_id));
  const auto modules = registry.list_modules("edge1");
  ASSERT_TRUE(modules.ok());
  ASSERT_EQ(modules->size(), 2u);
  EXPECT_EQ((*modules)[0].module_id, "$edgeAgent");
  EXPECT_EQ((*modules)[1].module_id, "$edgeHub");
  EXPECT_TRUE(storage.get_twin({"edge1", std::string("$edgeHub")}).has_value());

  auto leaf = registry.put_device("leaf1", json{{"deviceScope", edge->device_scope}}, std::nullopt);
  ASSERT_TRUE(leaf.ok()) << leaf.error().message;
  EXPECT_EQ(leaf->parent_scopes, std::vector<std::string>{edge->device_scope});
  EXPECT_EQ(registry.parent_of(*leaf), "edge1");

  auto child_edge = registry.put_device(
      "edge2", json{{"capabilities", {{"iotEdge", true}}}, {"parentScopes", {edge->device_scope}}}, std::nullopt);
  ASSERT_TRUE(child_edge.ok()) << child_edge.error().message;
  EXPECT_EQ(registry.parent_of(*child_edge), "edge1");
  EXPECT_NE(child_edge->device_scope, edge->device_scope);

  auto orphan = registry.put_device("leaf2", json::object(), std::nullopt);
  ASSERT_TRUE(orphan.ok());
  EXPECT_FALSE(registry.parent_of(*orphan).has_value());
}

TEST_F(RegistryTest, ModulesFollowIoTHubRules) {
  ASSERT_TRUE(registry.put_device("edge1", json{{"capabilities", {{"iotEdge", true}}}}, std::nullopt).ok());
  auto m = registry.put_module("edge1", "modA", json{{"moduleId", "modA"}, {"deviceId", "edge1"}}, std::nullopt);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_FALSE(m->authentication.keys.primary.empty());
  EXPECT_TRUE(storage.get_twin({"edge1", std::string("modA")}).has_value());
  EXPECT_EQ(registry.put_module("edge1", "modA", json::object(), std::nullopt).error().code,
            "ModuleAlreadyExistsOnDevice");
  EXPECT_EQ(registry.put_module("nodevice", "modA", json::object(), std::nullopt).error().code, "DeviceNotFound");
  EXPECT_EQ(registry.put_module("edge1", "$custom", json::object(), std::nullopt).error().status, 400);
  EXPECT_EQ(registry.delete_module("edge1", "$edgeHub", std::nullopt).error().status, 400);
  EXPECT_EQ(registry.get_module("edge1", "nope").error().code, "ModuleNotFound");
  ASSERT_TRUE(registry.delete_module("edge1", "modA", std::string("*")).ok());
  EXPECT_FALSE(storage.get_twin({"edge1", std::string("modA")}).has_value());
}

TEST_F(RegistryTest, DeletingADeviceRemovesEverythingItOwns) {
  ASSERT_TRUE(registry.put_device("edge1", json{{"capabilities", {{"iotEdge", true}}}}, std::nullopt).ok());
  ASSERT_TRUE(registry.put_module("edge1", "modA", json::object(), std::nullopt).ok());
  storage.save_session("edge1/modA", 5);
  storage.save_session("edge1", 3);
  C2dRecord c2d;
  c2d.device_id = "edge1";
  c2d.expiry_ms = 1;
  storage.enqueue_c2d(c2d);
  std::vector<std::string> events;
  registry.observe([&](const std::string& d, const std::optional<std::string>&, IdentityChange change) {
    if (change == IdentityChange::deleted) events.push_back(d);
  });
  EXPECT_EQ(registry.delete_device("edge1", std::string("\"wrong\"")).error().status, 412);
  ASSERT_TRUE(registry.delete_device("edge1", std::nullopt).ok());
  EXPECT_FALSE(storage.get_device("edge1"));
  EXPECT_TRUE(storage.list_modules("edge1").empty());
  EXPECT_FALSE(storage.get_twin({"edge1", std::string("$edgeAgent")}));
  EXPECT_FALSE(storage.load_session("edge1/modA"));
  EXPECT_FALSE(storage.load_session("edge1"));
  EXPECT_EQ(storage.count_c2d("edge1"), 0u);
  EXPECT_EQ(events, std::vector<std::string>{"edge1"});
  EXPECT_EQ(registry.delete_device("edge1", std::nullopt).error().code, "DeviceNotFound");
}

TEST_F(RegistryTest, StateSurvivesReopening) {
  auto d = registry.put_device("dev1", json::object(), std::nullopt);
  ASSERT_TRUE(d.ok());
  SqliteCloudDatabase reopened(dir.path() / "registry.db");
  const auto again = reopened.get_device("dev1");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->authentication.keys.primary, d->authentication.keys.primary);
  EXPECT_EQ(again->etag, d->etag);
}

TEST(CloudDatabaseTest, CompareAndSetAndTransactions) {
  testing::TempDir dir;
  SqliteCloudDatabase storage(dir.path() / "registry.db");
  DeviceRecord d;
  d.device_id = "a";
  d.etag = "e1";
  EXPECT_EQ(storage.insert_device(d), DbResult::ok);
  EXPECT_EQ(storage.insert_device(d), DbResult::already_exists);
  d.etag = "e2";
  EXPECT_EQ(storage.update_device(d, "wrong"), DbResult::etag_mismatch);
  EXPECT_EQ(storage.update_device(d, "e1"), DbResult::ok);
  d.device_id = "missing";
  EXPECT_EQ(storage.update_device(d, "e1"), DbResult::not_found);

  // A failing step rolls the whole transaction back.
  DeviceRecord b;
  b.device_id = "b";
  const auto r = storage.atomically([&] {
    EXPECT_EQ(storage.insert_device(b), DbResult::ok);
    return DbResult::already_exists;
  });
  EXPECT_EQ(r, DbResult::already_exists);
  EXPECT_FALSE(storage.get_device("b"));
  // Paging by key.
  for (const char* id : {"c", "d", "e"}) {
    DeviceRecord x;
    x.device_id = id;
    ASSERT_EQ(storage.insert_device(x), DbResult::ok);
  }
  const auto page = storage.list_devices(2, "a");
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].device_id, "c");
  EXPECT_EQ(page[1].device_id, "d");
  EXPECT_EQ(storage.count_devices(), 4u);
}

TEST(CloudDatabaseTest, CloudToDeviceQueueOrderExpiryAndDeliveries) {
  testing::TempDir dir;
  SqliteCloudDatabase storage(dir.path() / "registry.db");
  for (int i = 0; i < 3; ++i) {
    C2dRecord r;
    r.device_id = "d";
    r.enqueued_ms = 100;
    r.expiry_ms = i == 1 ? 150 : 1000;
    r.message.body = "m" + std::to_string(i);
    storage.enqueue_c2d(r);
  }
  auto pending = storage.pending_c2d("d", 200, 10, 0);
  ASSERT_EQ(pending.size(), 2u);  // m1 expired at 150
  EXPECT_EQ(pending[0].message.body, "m0");
  EXPECT_EQ(pending[1].message.body, "m2");
  EXPECT_EQ(storage.pending_c2d("d", 200, 10, pending[0].seq).size(), 1u);
  storage.count_c2d_delivery(pending[1].seq);
  storage.count_c2d_delivery(pending[1].seq);
  EXPECT_EQ(storage.purge_c2d(200, 2), 2u);  // m1 (expired) and m2 (delivered twice)
  EXPECT_EQ(storage.complete_c2d(pending[0].seq), DbResult::ok);
  EXPECT_EQ(storage.complete_c2d(pending[0].seq), DbResult::not_found);
  EXPECT_EQ(storage.count_c2d("d"), 0u);
}

}  // namespace
}  // namespace outpost::cloud

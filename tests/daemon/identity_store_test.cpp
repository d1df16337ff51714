// The daemon's own identity records: created once with an IoT Hub-shaped generation id, kept
// across restarts with mode 0600, found by the name URLs and runtimes use.
#include "identity_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <regex>

#include "support/process.h"

namespace outpost::daemon {
namespace {

class IdentityStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = outpost::testing::make_temp_dir("outpost-ids"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(IdentityStoreTest, IdentitiesAreCreatedOnceAndSurviveARestart) {
  auto store = IdentityStore::open(dir_ + "/identities.json");
  ASSERT_TRUE(store) << store.error();
  const auto hub = store->get_or_create("$edgeHub", "iotedge");
  ASSERT_TRUE(hub);
  EXPECT_TRUE(std::regex_match(hub->generation_id, std::regex("[1-9][0-9]{17}"))) << hub->generation_id;
  EXPECT_EQ(store->get_or_create("$edgeHub", "iotedge")->generation_id, hub->generation_id);
  ASSERT_TRUE(store->get_or_create("filter", "IotEdge"));
  struct stat st {};
  ASSERT_EQ(::stat((dir_ + "/identities.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  const auto reopened = IdentityStore::open(dir_ + "/identities.json");
  ASSERT_TRUE(reopened);
  ASSERT_EQ(reopened->list().size(), 2u);
  EXPECT_EQ(reopened->find("$edgeHub")->generation_id, hub->generation_id);
  EXPECT_EQ(reopened->find("filter")->managed_by, "IotEdge");
  EXPECT_FALSE(reopened->find("ghost"));
}

TEST(ModuleNaming, SystemModulesHaveADollarIdentityWhateverTheirRuntimeName) {
  const ModuleNaming naming{"my-agent"};
  EXPECT_EQ(naming.identity_of_runtime_name("my-agent"), "$edgeAgent");
  EXPECT_EQ(naming.identity_of_runtime_name("edgeHub"), "$edgeHub");
  EXPECT_EQ(naming.identity_of_runtime_name("filter"), "filter");
  EXPECT_EQ(naming.identity_of_url_name("edgeAgent"), "$edgeAgent") << "URLs name system modules without the $";
  EXPECT_EQ(naming.identity_of_url_name("edgeHub"), "$edgeHub");
  EXPECT_EQ(naming.identity_of_url_name("filter"), "filter");
  EXPECT_EQ(naming.runtime_name_of_identity("$edgeAgent"), "my-agent");
  EXPECT_EQ(naming.runtime_name_of_identity("$edgeHub"), "edgeHub");
  EXPECT_EQ(naming.runtime_name_of_identity("filter"), "filter");
}

TEST_F(IdentityStoreTest, ARemovedIdentityComesBackWithANewGeneration) {
  auto store = IdentityStore::open(dir_ + "/identities.json");
  ASSERT_TRUE(store);
  const auto first = store->get_or_create("filter", "iotedge")->generation_id;
  ASSERT_TRUE(store->remove("filter"));
  EXPECT_EQ(store->remove("filter").error_kind(), ErrorKind::not_found);
  EXPECT_NE(store->get_or_create("filter", "iotedge")->generation_id, first) << "new generation: new keys";
}

TEST_F(IdentityStoreTest, ADamagedFileIsAnErrorNotAnEmptyStore) {
  outpost::testing::write_file(dir_ + "/identities.json", "{\"not\": \"a list\"}");
  const auto store = IdentityStore::open(dir_ + "/identities.json");
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error_kind(), ErrorKind::storage_corrupt);
}

}  // namespace
}  // namespace outpost::daemon

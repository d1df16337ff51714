#include "outpost/kv/kv_database.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "outpost/core/crypto.h"

namespace outpost::kv {
namespace {

std::filesystem::path temp_db() {
  auto dir = std::filesystem::temp_directory_path() / ("outpost-kv-" + random_hex_id(6));
  std::filesystem::create_directories(dir);
  return dir / "state.db";
}

TEST(KvDatabase, PutGetEraseAndListByNamespace) {
  const auto file = temp_db();
  auto store = KvDatabase::open(file);
  ASSERT_TRUE(store) << store.error();
  auto& kv = **store;
  ASSERT_TRUE(kv.put("twins", "e/m1", "{\"a\":1}"));
  ASSERT_TRUE(kv.put("twins", "e/m2", "x"));
  ASSERT_TRUE(kv.put("sessions", "e/m1", std::string("bin\0ary", 7)));
  ASSERT_TRUE(kv.put("twins", "e/m2", "y"));  // replace
  EXPECT_EQ(*kv.get("twins", "e/m1"), "{\"a\":1}");
  EXPECT_EQ(*kv.get("sessions", "e/m1"), std::string("bin\0ary", 7));
  const auto missing = kv.get("twins", "missing");
  ASSERT_TRUE(missing) << "absent is not an error";
  EXPECT_EQ(*missing, std::nullopt);
  const auto twins = kv.list("twins");
  ASSERT_TRUE(twins) << twins.error();
  ASSERT_EQ(twins->size(), 2u);
  EXPECT_EQ((*twins)[1].second, "y");
  ASSERT_TRUE(kv.erase("twins", "e/m1"));
  EXPECT_EQ(kv.list("twins")->size(), 1u);
  ASSERT_TRUE(kv.erase_namespace("twins"));
  EXPECT_TRUE(kv.list("twins")->empty());
  EXPECT_EQ(kv.list("sessions")->size(), 1u);
  std::filesystem::remove_all(file.parent_path());
}

TEST(KvDatabase, SurvivesReopen) {
  const auto file = temp_db();
  {
    auto store = KvDatabase::open(file);
    ASSERT_TRUE(store);
    ASSERT_TRUE((*store)->put("ns", "k", "v"));
  }
  auto store = KvDatabase::open(file);
  ASSERT_TRUE(store);
  EXPECT_EQ(*(*store)->get("ns", "k"), "v");
  std::filesystem::remove_all(file.parent_path());
}

TEST(KvDatabase, ReportsUnopenableFiles) {
  auto store = KvDatabase::open("/nonexistent-dir/state.db");
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().find("/nonexistent-dir/state.db: cannot open"), std::string::npos) << store.error();
  EXPECT_EQ(store.error_kind(), ErrorKind::io);
}

TEST(KvDatabase, ACorruptFileIsReportedAsCorruptNotAsEmpty) {
  const auto file = temp_db();
  {
    std::ofstream out(file, std::ios::binary);
    out << std::string(8192, 'x');  // not an SQLite file: a damaged disk or a stray write
  }
  auto store = KvDatabase::open(file);
  ASSERT_FALSE(store) << "a corrupt state file must not open as an empty one";
  EXPECT_EQ(store.error_kind(), ErrorKind::storage_corrupt) << store.error();
  EXPECT_NE(store.error().find(file.string()), std::string::npos) << store.error();
  std::filesystem::remove_all(file.parent_path());
}

}  // namespace
}  // namespace outpost::kv

#include "outpost/sqlite/database.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "outpost/core/crypto.h"

namespace outpost::sqlite {
namespace {

class SqliteDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("outpost-sqlite-" + random_hex_id(6));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string file() const { return (dir_ / "test.db").string(); }

  std::filesystem::path dir_;
};

TEST_F(SqliteDatabaseTest, BindsStepsAndReadsColumns) {
  Database db(file(), Database::Sync::normal);
  db.exec("CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER, v BLOB)");
  Statement insert(db, "INSERT INTO t (k, n, v) VALUES (?1, ?2, ?3)");
  insert.bind(1, "a").bind(2, std::int64_t{7}).bind_blob(3, std::string("x\0y", 3)).run();
  insert.bind(1, "b").bind(2, std::int64_t{8}).bind_null(3).run();
  EXPECT_EQ(db.changes(), 1);

  Statement select(db, "SELECT k, n, v FROM t ORDER BY k");
  ASSERT_TRUE(select.step());
  EXPECT_EQ(select.text(0), "a");
  EXPECT_EQ(select.integer(1), 7);
  EXPECT_EQ(select.text(2), std::string("x\0y", 3));
  ASSERT_TRUE(select.step());
  EXPECT_TRUE(select.is_null(2));
  EXPECT_FALSE(select.step());
}

TEST_F(SqliteDatabaseTest, AFullDatabaseThrowsStorageFull) {
  Database db(file(), Database::Sync::normal);
  db.exec("CREATE TABLE t (v BLOB)");
  // A page cap stands in for a full disk: SQLite answers both with SQLITE_FULL.
  db.exec("PRAGMA max_page_count = 8");
  Statement insert(db, "INSERT INTO t (v) VALUES (?1)");
  const std::string row(4096, 'x');
  try {
    for (int i = 0; i < 100; ++i) insert.bind_blob(1, row).run();
    FAIL() << "100 rows of 4 KiB fit in 8 pages";
  } catch (const StorageFailure& failure) {
    EXPECT_EQ(failure.kind(), ErrorKind::storage_full) << failure.what();
    EXPECT_NE(std::string(failure.what()).find(file()), std::string::npos) << failure.what();
  }
}

TEST_F(SqliteDatabaseTest, BadSqlIsAnErrorNamingTheStatement) {
  Database db(file(), Database::Sync::normal);
  try {
    Statement broken(db, "SELEC nothing");
    FAIL() << "a malformed statement prepared";
  } catch (const StorageFailure& failure) {
    EXPECT_NE(std::string(failure.what()).find("SELEC nothing"), std::string::npos) << failure.what();
  }
}

TEST(SqliteErrorKinds, MapSqliteCodesToWhatACallerActsOn) {
  EXPECT_EQ(error_kind_of(13), ErrorKind::storage_full);      // SQLITE_FULL
  EXPECT_EQ(error_kind_of(11), ErrorKind::storage_corrupt);   // SQLITE_CORRUPT
  EXPECT_EQ(error_kind_of(26), ErrorKind::storage_corrupt);   // SQLITE_NOTADB
  EXPECT_EQ(error_kind_of(5), ErrorKind::unavailable);        // SQLITE_BUSY
  EXPECT_EQ(error_kind_of(10 | (13 << 8)), ErrorKind::io);    // SQLITE_IOERR_FSYNC
  EXPECT_EQ(error_kind_of(11 | (1 << 8)), ErrorKind::storage_corrupt);  // SQLITE_CORRUPT_VTAB
}

}  // namespace
}  // namespace outpost::sqlite

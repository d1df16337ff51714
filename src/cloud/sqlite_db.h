// A thin RAII layer over the SQLite C API for the cloud's two databases: prepared
// statements with typed binds and columns; every SQLite error becomes a DatabaseFailure
// that names the file and SQLite's reason.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace outpost::cloud {

class SqliteDb;

class Statement {
 public:
  Statement(SqliteDb& db, const char* sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binds are 1-based, as in SQL (?1, ?2, ...). Text and blobs are copied.
  Statement& bind(int index, std::string_view text);
  Statement& bind_blob(int index, std::string_view bytes);
  Statement& bind(int index, std::int64_t value);
  Statement& bind_null(int index);

  bool step();  // true: a row is available; false: done (the statement is reset on the next bind)
  void run();   // steps to completion, then resets
  void reset();

  std::int64_t integer(int column) const;  // 0-based columns
  std::string text(int column) const;
  bool is_null(int column) const;

 private:
  SqliteDb& db_;
  sqlite3_stmt* stmt_ = nullptr;
  bool dirty_ = false;
};

class SqliteDb {
 public:
  enum class Sync { full, normal };
  // Opens or creates `file` in WAL mode. Throws DatabaseFailure.
  SqliteDb(const std::string& file, Sync sync);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  void exec(const char* sql);
  std::int64_t changes() const;
  std::int64_t last_insert_rowid() const;
  [[noreturn]] void fail(std::string_view what) const;
  sqlite3* handle() { return db_; }
  const std::string& file() const { return file_; }

 private:
  sqlite3* db_ = nullptr;
  std::string file_;
};

}  // namespace outpost::cloud

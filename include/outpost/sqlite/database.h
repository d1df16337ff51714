// The one SQLite layer (the hub's kv state and the cloud's databases): RAII over the C API,
// prepared statements with typed binds and columns. Every SQLite error throws
// outpost::StorageFailure naming the file and SQLite's reason, with the kind a caller acts
// on (full, corrupt, busy, other I/O). Callers catch it where their public functions or
// requests end (docs/DEVELOPING.md, "Errors"). Not thread-safe: one owner per Database.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "outpost/core/storage_failure.h"

struct sqlite3;
struct sqlite3_stmt;

namespace outpost::sqlite {

class Database;

class Statement {
 public:
  Statement(Database& db, const char* sql);  // throws StorageFailure
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
  std::string text(int column) const;      // text or blob bytes
  bool is_null(int column) const;

 private:
  Database& db_;
  sqlite3_stmt* stmt_ = nullptr;
  bool dirty_ = false;
};

class Database {
 public:
  // full: durable when a write returns (power loss keeps it); normal: durable at the next
  // WAL checkpoint (a process crash keeps it, a power loss may lose the last writes).
  enum class Sync { full, normal };
  // Opens or creates `file` in WAL mode. Throws StorageFailure.
  Database(const std::string& file, Sync sync);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void exec(const char* sql);
  std::int64_t changes() const;
  std::int64_t last_insert_rowid() const;
  // Throws the StorageFailure for SQLite's last error on this connection.
  [[noreturn]] void fail(std::string_view what) const;
  sqlite3* handle() { return db_; }
  const std::string& file() const { return file_; }

 private:
  sqlite3* db_ = nullptr;
  std::string file_;
};

// The kind of failure an SQLite result code means.
ErrorKind error_kind_of(int sqlite_code);

}  // namespace outpost::sqlite

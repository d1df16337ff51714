#include "outpost/sqlite/database.h"

#include <sqlite3.h>

#include <fmt/format.h>

namespace outpost::sqlite {

ErrorKind error_kind_of(int sqlite_code) {
  switch (sqlite_code & 0xff) {  // the primary code of an extended one
    case SQLITE_FULL: return ErrorKind::storage_full;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return ErrorKind::storage_corrupt;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return ErrorKind::unavailable;
    default: return ErrorKind::io;
  }
}

Database::Database(const std::string& file, Sync sync) : file_(file) {
  // A constructor that throws runs no destructor: close the handle (which SQLite allocates
  // even when opening fails) on the way out.
  try {
    if (sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK)
      fail("cannot open");
    sqlite3_busy_timeout(db_, 5000);  // another connection (a reader, another front end) may hold a lock
    exec("PRAGMA journal_mode=WAL");
    exec(sync == Sync::full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  } catch (...) {
    sqlite3_close_v2(db_);
    throw;
  }
}

Database::~Database() {
  if (db_) sqlite3_close_v2(db_);
}

void Database::exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "?";
    sqlite3_free(message);
    throw StorageFailure(error_kind_of(sqlite3_extended_errcode(db_)), fmt::format("{}: {}: {}", file_, sql, text));
  }
}

std::int64_t Database::changes() const { return sqlite3_changes(db_); }
std::int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

void Database::fail(std::string_view what) const {
  const int code = db_ ? sqlite3_extended_errcode(db_) : SQLITE_NOMEM;
  throw StorageFailure(error_kind_of(code),
                       fmt::format("{}: {}: {}", file_, what, db_ ? sqlite3_errmsg(db_) : "out of memory"));
}

Statement::Statement(Database& db, const char* sql) : db_(db) {
  if (sqlite3_prepare_v2(db.handle(), sql, -1, &stmt_, nullptr) != SQLITE_OK)
    db.fail(fmt::format("cannot prepare '{}'", sql));
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  dirty_ = false;
}

Statement& Statement::bind(int index, std::string_view text) {
  if (dirty_) reset();
  // An empty view may have no data pointer, which SQLite would bind as NULL.
  sqlite3_bind_text(stmt_, index, text.data() ? text.data() : "", static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
  if (dirty_) reset();
  sqlite3_bind_blob(stmt_, index, bytes.data() ? bytes.data() : "", static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  if (dirty_) reset();
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::bind_null(int index) {
  if (dirty_) reset();
  sqlite3_bind_null(stmt_, index);
  return *this;
}

bool Statement::step() {
  dirty_ = true;
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const std::string sql = sqlite3_sql(stmt_) ? sqlite3_sql(stmt_) : "?";
  sqlite3_reset(stmt_);
  db_.fail(fmt::format("'{}' failed", sql));
}

void Statement::run() {
  while (step()) {
  }
  reset();
}

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::text(int column) const {
  const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
  const int size = sqlite3_column_bytes(stmt_, column);
  return data ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

bool Statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

}  // namespace outpost::sqlite

#include "outpost/kv/kv_database.h"

#include <sqlite3.h>

#include <fmt/format.h>

namespace outpost::kv {

struct KvDatabase::Impl {
  sqlite3* db = nullptr;
  sqlite3_stmt* get = nullptr;
  sqlite3_stmt* put = nullptr;
  sqlite3_stmt* erase = nullptr;
  sqlite3_stmt* erase_ns = nullptr;
  sqlite3_stmt* list = nullptr;
  std::string file;

  ~Impl() {
    for (auto* s : {get, put, erase, erase_ns, list}) sqlite3_finalize(s);
    if (db) sqlite3_close(db);
  }
  Error error(std::string_view what) const {
    return make_error(fmt::format("{}: {}: {}", file, what, db ? sqlite3_errmsg(db) : "?"));
  }
  // Binds text parameters and steps once; resets for reuse.
  int run(sqlite3_stmt* stmt, std::initializer_list<std::string_view> params) {
    int i = 1;
    for (const auto p : params) sqlite3_bind_text(stmt, i++, p.data(), static_cast<int>(p.size()), SQLITE_TRANSIENT);
    const int rc = sqlite3_step(stmt);
    return rc;
  }
};

Result<std::unique_ptr<KvDatabase>> KvDatabase::open(const std::filesystem::path& file) {
  std::unique_ptr<KvDatabase> store(new KvDatabase());
  store->impl_ = std::make_unique<Impl>();
  auto& impl = *store->impl_;
  impl.file = file.string();
  if (sqlite3_open_v2(impl.file.c_str(), &impl.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK)
    return impl.error("cannot open");
  const char* setup =
      "PRAGMA journal_mode=WAL;"
      "PRAGMA synchronous=FULL;"
      "CREATE TABLE IF NOT EXISTS kv (ns TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,"
      " PRIMARY KEY (ns, key)) WITHOUT ROWID;";
  if (sqlite3_exec(impl.db, setup, nullptr, nullptr, nullptr) != SQLITE_OK) return impl.error("cannot set up");
  const std::pair<sqlite3_stmt**, const char*> statements[] = {
      {&impl.get, "SELECT value FROM kv WHERE ns = ?1 AND key = ?2"},
      {&impl.put, "INSERT INTO kv (ns, key, value) VALUES (?1, ?2, ?3) "
                  "ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value"},
      {&impl.erase, "DELETE FROM kv WHERE ns = ?1 AND key = ?2"},
      {&impl.erase_ns, "DELETE FROM kv WHERE ns = ?1"},
      {&impl.list, "SELECT key, value FROM kv WHERE ns = ?1 ORDER BY key"},
  };
  for (const auto& [stmt, sql] : statements)
    if (sqlite3_prepare_v2(impl.db, sql, -1, stmt, nullptr) != SQLITE_OK) return impl.error("cannot prepare");
  return store;
}

KvDatabase::~KvDatabase() = default;

Result<std::optional<std::string>> KvDatabase::get(std::string_view ns, std::string_view key) {
  auto* stmt = impl_->get;
  std::optional<std::string> out;
  const int rc = impl_->run(stmt, {ns, key});
  if (rc == SQLITE_ROW) {
    const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt, 0));
    out = std::string(data ? data : "", static_cast<std::size_t>(sqlite3_column_bytes(stmt, 0)));
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    auto failed = impl_->error("cannot read");
    sqlite3_reset(stmt);
    return failed;
  }
  sqlite3_reset(stmt);
  return out;
}

Status KvDatabase::put(std::string_view ns, std::string_view key, std::string_view value) {
  auto* stmt = impl_->put;
  sqlite3_bind_text(stmt, 1, ns.data(), static_cast<int>(ns.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(stmt, 2, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
  sqlite3_bind_blob(stmt, 3, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  const int rc = sqlite3_step(stmt);
  sqlite3_reset(stmt);
  if (rc != SQLITE_DONE) return impl_->error("cannot write");
  return {};
}

Status KvDatabase::erase(std::string_view ns, std::string_view key) {
  const int rc = impl_->run(impl_->erase, {ns, key});
  sqlite3_reset(impl_->erase);
  if (rc != SQLITE_DONE) return impl_->error("cannot delete");
  return {};
}

Status KvDatabase::erase_namespace(std::string_view ns) {
  const int rc = impl_->run(impl_->erase_ns, {ns});
  sqlite3_reset(impl_->erase_ns);
  if (rc != SQLITE_DONE) return impl_->error("cannot delete");
  return {};
}

std::vector<std::pair<std::string, std::string>> KvDatabase::list(std::string_view ns) {
  std::vector<std::pair<std::string, std::string>> out;
  auto* stmt = impl_->list;
  sqlite3_bind_text(stmt, 1, ns.data(), static_cast<int>(ns.size()), SQLITE_TRANSIENT);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    const auto* k = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    const auto* v = static_cast<const char*>(sqlite3_column_blob(stmt, 1));
    out.emplace_back(k ? k : "", std::string(v ? v : "", static_cast<std::size_t>(sqlite3_column_bytes(stmt, 1))));
  }
  sqlite3_reset(stmt);
  return out;
}

}  // namespace outpost::kv

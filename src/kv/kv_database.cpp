#include "outpost/kv/kv_database.h"

#include "outpost/sqlite/database.h"

namespace outpost::kv {

// The shared SQLite layer throws; this class is where that ends: every public function
// answers with a Result whose kind tells a full disk from a corrupt file.
struct KvDatabase::Impl {
  // Created before the statements below are prepared against it (members start in order).
  struct Schema {
    explicit Schema(sqlite::Database& db) {
      db.exec("CREATE TABLE IF NOT EXISTS kv (ns TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,"
              " PRIMARY KEY (ns, key)) WITHOUT ROWID");
    }
  };
  explicit Impl(const std::string& file) : db(file, sqlite::Database::Sync::full) {}

  sqlite::Database db;
  Schema schema{db};
  sqlite::Statement get{db, "SELECT value FROM kv WHERE ns = ?1 AND key = ?2"};
  sqlite::Statement put{db,
                        "INSERT INTO kv (ns, key, value) VALUES (?1, ?2, ?3) "
                        "ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value"};
  sqlite::Statement erase{db, "DELETE FROM kv WHERE ns = ?1 AND key = ?2"};
  sqlite::Statement erase_ns{db, "DELETE FROM kv WHERE ns = ?1"};
  sqlite::Statement list{db, "SELECT key, value FROM kv WHERE ns = ?1 ORDER BY key"};
};

namespace {

template <typename Work>
auto guarded(Work&& work) -> decltype(work()) {
  try {
    return work();
  } catch (const StorageFailure& failure) {
    return failure.error();
  }
}

}  // namespace

Result<std::unique_ptr<KvDatabase>> KvDatabase::open(const std::filesystem::path& file) {
  return guarded([&]() -> Result<std::unique_ptr<KvDatabase>> {
    std::unique_ptr<KvDatabase> store(new KvDatabase());
    store->impl_ = std::make_unique<Impl>(file.string());
    return store;
  });
}

KvDatabase::~KvDatabase() = default;

Result<std::optional<std::string>> KvDatabase::get(std::string_view ns, std::string_view key) {
  return guarded([&]() -> Result<std::optional<std::string>> {
    auto& stmt = impl_->get.bind(1, ns).bind(2, key);
    std::optional<std::string> out;
    if (stmt.step()) out = stmt.text(0);
    stmt.reset();
    return out;
  });
}

Status KvDatabase::put(std::string_view ns, std::string_view key, std::string_view value) {
  return guarded([&]() -> Status {
    impl_->put.bind(1, ns).bind(2, key).bind_blob(3, value).run();
    return {};
  });
}

Status KvDatabase::erase(std::string_view ns, std::string_view key) {
  return guarded([&]() -> Status {
    impl_->erase.bind(1, ns).bind(2, key).run();
    return {};
  });
}

Status KvDatabase::erase_namespace(std::string_view ns) {
  return guarded([&]() -> Status {
    impl_->erase_ns.bind(1, ns).run();
    return {};
  });
}

Result<std::vector<std::pair<std::string, std::string>>> KvDatabase::list(std::string_view ns) {
  return guarded([&]() -> Result<std::vector<std::pair<std::string, std::string>>> {
    std::vector<std::pair<std::string, std::string>> out;
    auto& stmt = impl_->list.bind(1, ns);
    while (stmt.step()) out.emplace_back(stmt.text(0), stmt.text(1));
    stmt.reset();
    return out;
  });
}

}  // namespace outpost::kv

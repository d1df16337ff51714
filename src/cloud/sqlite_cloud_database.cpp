#include "sqlite_cloud_database.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "model_json.h"
#include "outpost/sqlite/database.h"
#include "outpost/core/json.h"

namespace outpost::cloud {

using sqlite::Statement;

using nlohmann::json;

namespace {
constexpr std::string_view kDevice = "device";
constexpr std::string_view kModule = "module";
constexpr std::string_view kTwin = "twin";
constexpr std::string_view kPolicy = "policy";
constexpr std::string_view kConfiguration = "configuration";
constexpr std::string_view kContent = "content";
constexpr std::string_view kSession = "session";
constexpr std::int64_t kSchemaVersion = 1;
}  // namespace

struct SqliteCloudDatabase::Impl {
  explicit Impl(const std::filesystem::path& file) : db(file.string(), sqlite::Database::Sync::full) {}

  // Runs before the statements below are prepared (members initialize in declaration order).
  bool create_schema() {
    db.exec(
        "CREATE TABLE IF NOT EXISTS docs (kind TEXT NOT NULL, k1 TEXT NOT NULL, k2 TEXT NOT NULL DEFAULT '',"
        " etag TEXT NOT NULL DEFAULT '', doc TEXT NOT NULL, PRIMARY KEY (kind, k1, k2)) WITHOUT ROWID;"
        "CREATE TABLE IF NOT EXISTS c2d (seq INTEGER PRIMARY KEY AUTOINCREMENT, device_id TEXT NOT NULL,"
        " enqueued_ms INTEGER NOT NULL, expiry_ms INTEGER NOT NULL, deliveries INTEGER NOT NULL DEFAULT 0,"
        " message TEXT NOT NULL);"
        "CREATE INDEX IF NOT EXISTS c2d_by_device ON c2d (device_id, seq);"
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);");
    Statement version(db, "SELECT value FROM meta WHERE key = 'schema_version'");
    if (version.step()) {
      if (version.integer(0) != kSchemaVersion)
        throw DatabaseFailure(ErrorKind::storage_corrupt, fmt::format("{}: schema version {} is not the {} this build reads", db.file(),
                                         version.integer(0), kSchemaVersion));
    } else {
      db.exec(fmt::format("INSERT INTO meta (key, value) VALUES ('schema_version', {})", kSchemaVersion).c_str());
    }
    return true;
  }

  sqlite::Database db;
  bool schema_ready = create_schema();
  Statement get{db, "SELECT doc, etag FROM docs WHERE kind = ?1 AND k1 = ?2 AND k2 = ?3"};
  Statement list_k1{db, "SELECT doc FROM docs WHERE kind = ?1 AND k1 = ?2 ORDER BY k2"};
  Statement list_kind{db, "SELECT doc FROM docs WHERE kind = ?1 AND k1 > ?2 ORDER BY k1, k2 LIMIT ?3"};
  Statement list_kind_k2{db, "SELECT doc FROM docs WHERE kind = ?1 AND (?2 = (k2 <> '')) ORDER BY k1, k2"};
  Statement count_kind{db, "SELECT COUNT(*) FROM docs WHERE kind = ?1"};
  Statement insert{db, "INSERT OR IGNORE INTO docs (kind, k1, k2, etag, doc) VALUES (?1, ?2, ?3, ?4, ?5)"};
  Statement upsert{db, "INSERT INTO docs (kind, k1, k2, etag, doc) VALUES (?1, ?2, ?3, ?4, ?5)"
                       " ON CONFLICT (kind, k1, k2) DO UPDATE SET etag = excluded.etag, doc = excluded.doc"};
  Statement update{db, "UPDATE docs SET etag = ?4, doc = ?5 WHERE kind = ?1 AND k1 = ?2 AND k2 = ?3 AND etag = ?6"};
  Statement exists{db, "SELECT 1 FROM docs WHERE kind = ?1 AND k1 = ?2 AND k2 = ?3"};
  Statement remove{db, "DELETE FROM docs WHERE kind = ?1 AND k1 = ?2 AND k2 = ?3"};
  Statement remove_k1{db, "DELETE FROM docs WHERE k1 = ?1 AND kind IN ('device', 'module', 'twin', 'content')"};
  Statement remove_sessions{db, "DELETE FROM docs WHERE kind = 'session' AND (k1 = ?1 OR k1 LIKE ?2 ESCAPE '\\')"};
  Statement meta_get{db, "SELECT value FROM meta WHERE key = ?1"};
  Statement meta_bump{db, "INSERT INTO meta (key, value) VALUES (?1, 1) ON CONFLICT (key) DO UPDATE SET value = value + 1"};
  Statement c2d_insert{db, "INSERT INTO c2d (device_id, enqueued_ms, expiry_ms, message) VALUES (?1, ?2, ?3, ?4)"};
  Statement c2d_pending{db, "SELECT seq, enqueued_ms, expiry_ms, deliveries, message FROM c2d"
                            " WHERE device_id = ?1 AND seq > ?2 AND expiry_ms > ?3 ORDER BY seq LIMIT ?4"};
  Statement c2d_count{db, "SELECT COUNT(*) FROM c2d WHERE device_id = ?1"};
  Statement c2d_delete{db, "DELETE FROM c2d WHERE seq = ?1"};
  Statement c2d_deliveries{db, "UPDATE c2d SET deliveries = deliveries + 1 WHERE seq = ?1"};
  Statement c2d_purge{db, "DELETE FROM c2d WHERE expiry_ms <= ?1 OR deliveries >= ?2"};
  Statement c2d_delete_device{db, "DELETE FROM c2d WHERE device_id = ?1"};
  int depth = 0;
  bool rollback_only = false;

  std::optional<std::pair<json, std::string>> find(std::string_view kind, std::string_view k1, std::string_view k2) {
    get.bind(1, kind).bind(2, k1).bind(3, k2);
    std::optional<std::pair<json, std::string>> out;
    if (!get.step()) {
      get.reset();
      return out;
    }
    auto doc = parse_json(get.text(0));
    out.emplace(doc ? std::move(*doc) : json(), get.text(1));
    get.reset();
    if (!doc) throw DatabaseFailure(ErrorKind::storage_corrupt, fmt::format("{}: stored {} '{}/{}' is {}", db.file(), kind, k1, k2, doc.error()));
    return out;
  }

  std::vector<json> all(Statement& stmt) {
    std::vector<json> out;
    while (stmt.step()) {
      // A damaged or too-deep row is skipped (and logged), never handed to a recursive walk.
      if (auto doc = parse_json(stmt.text(0))) out.push_back(std::move(*doc));
      else spdlog::error("cloud: {}: skipped a stored document that is {}", db.file(), doc.error());
    }
    stmt.reset();
    return out;
  }

  DbResult insert_doc(std::string_view kind, std::string_view k1, std::string_view k2, std::string_view etag,
                         const json& doc) {
    insert.bind(1, kind).bind(2, k1).bind(3, k2).bind(4, etag).bind(5, doc.dump()).run();
    return db.changes() == 1 ? DbResult::ok : DbResult::already_exists;
  }

  DbResult update_doc(std::string_view kind, std::string_view k1, std::string_view k2, std::string_view etag,
                         const json& doc, std::string_view if_etag) {
    update.bind(1, kind).bind(2, k1).bind(3, k2).bind(4, etag).bind(5, doc.dump()).bind(6, if_etag).run();
    if (db.changes() == 1) return DbResult::ok;
    exists.bind(1, kind).bind(2, k1).bind(3, k2);
    const bool present = exists.step();
    exists.reset();
    return present ? DbResult::etag_mismatch : DbResult::not_found;
  }

  void upsert_doc(std::string_view kind, std::string_view k1, std::string_view k2, const json& doc) {
    upsert.bind(1, kind).bind(2, k1).bind(3, k2).bind(4, std::string_view()).bind(5, doc.dump()).run();
  }

  DbResult remove_doc(std::string_view kind, std::string_view k1, std::string_view k2) {
    remove.bind(1, kind).bind(2, k1).bind(3, k2).run();
    return db.changes() >= 1 ? DbResult::ok : DbResult::not_found;
  }
};

SqliteCloudDatabase::SqliteCloudDatabase(const std::filesystem::path& file) : impl_(std::make_unique<Impl>(file)) {}
SqliteCloudDatabase::~SqliteCloudDatabase() = default;

DbResult SqliteCloudDatabase::atomically(const std::function<DbResult()>& work) {
  auto& i = *impl_;
  const bool outer = i.depth == 0;
  if (outer) {
    i.db.exec("BEGIN IMMEDIATE");
    i.rollback_only = false;
  }
  ++i.depth;
  DbResult result;
  try {
    result = work();
  } catch (...) {
    --i.depth;
    if (outer) i.db.exec("ROLLBACK");
    else i.rollback_only = true;
    throw;
  }
  --i.depth;
  if (result != DbResult::ok) i.rollback_only = true;
  if (outer) {
    if (i.rollback_only) {
      i.db.exec("ROLLBACK");
      return result == DbResult::ok ? DbResult::etag_mismatch : result;
    }
    i.db.exec("COMMIT");
  }
  return result;
}

// ---- devices ----

std::optional<DeviceRecord> SqliteCloudDatabase::get_device(std::string_view id) {
  auto found = impl_->find(kDevice, id, "");
  if (!found) return std::nullopt;
  return device_from_json(found->first);
}

std::vector<DeviceRecord> SqliteCloudDatabase::list_devices(std::size_t limit, std::string_view after) {
  auto& s = impl_->list_kind;
  const auto capped = static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX));
  s.bind(1, kDevice).bind(2, after).bind(3, capped);
  std::vector<DeviceRecord> out;
  for (const auto& doc : impl_->all(s)) out.push_back(device_from_json(doc));
  return out;
}

std::size_t SqliteCloudDatabase::count_devices() {
  auto& s = impl_->count_kind;
  s.bind(1, kDevice);
  const auto n = s.step() ? s.integer(0) : 0;
  s.reset();
  return static_cast<std::size_t>(n);
}

DbResult SqliteCloudDatabase::insert_device(const DeviceRecord& d) {
  return impl_->insert_doc(kDevice, d.device_id, "", d.etag, device_json(d));
}

DbResult SqliteCloudDatabase::update_device(const DeviceRecord& d, std::string_view if_etag) {
  return impl_->update_doc(kDevice, d.device_id, "", d.etag, device_json(d), if_etag);
}

DbResult SqliteCloudDatabase::delete_device(std::string_view id) {
  return atomically([&] {
    if (!impl_->find(kDevice, id, "")) return DbResult::not_found;
    impl_->remove_k1.bind(1, id).run();
    std::string pattern;
    for (const char c : id) {
      if (c == '%' || c == '_' || c == '\\') pattern += '\\';
      pattern += c;
    }
    impl_->remove_sessions.bind(1, id).bind(2, pattern + "/%").run();
    impl_->c2d_delete_device.bind(1, id).run();
    return DbResult::ok;
  });
}

// ---- modules ----

std::optional<ModuleRecord> SqliteCloudDatabase::get_module(std::string_view device_id, std::string_view module_id) {
  auto found = impl_->find(kModule, device_id, module_id);
  if (!found) return std::nullopt;
  return module_from_json(found->first);
}

std::vector<ModuleRecord> SqliteCloudDatabase::list_modules(std::string_view device_id) {
  auto& s = impl_->list_k1;
  s.bind(1, kModule).bind(2, device_id);
  std::vector<ModuleRecord> out;
  for (const auto& doc : impl_->all(s)) out.push_back(module_from_json(doc));
  return out;
}

DbResult SqliteCloudDatabase::insert_module(const ModuleRecord& m) {
  return impl_->insert_doc(kModule, m.device_id, m.module_id, m.etag, module_json(m));
}

DbResult SqliteCloudDatabase::update_module(const ModuleRecord& m, std::string_view if_etag) {
  return impl_->update_doc(kModule, m.device_id, m.module_id, m.etag, module_json(m), if_etag);
}

DbResult SqliteCloudDatabase::delete_module(std::string_view device_id, std::string_view module_id) {
  return atomically([&] {
    const auto result = impl_->remove_doc(kModule, device_id, module_id);
    if (result != DbResult::ok) return result;
    (void)impl_->remove_doc(kTwin, device_id, module_id);
    impl_->remove_sessions.bind(1, fmt::format("{}/{}", device_id, module_id)).bind(2, std::string_view("")).run();
    return DbResult::ok;
  });
}

// ---- twins ----

std::optional<TwinRecord> SqliteCloudDatabase::get_twin(const iothub::Identity& identity) {
  auto found = impl_->find(kTwin, identity.device_id, identity.module_id.value_or(""));
  if (!found) return std::nullopt;
  return twin_from_storage_json(found->first);
}

std::vector<TwinRecord> SqliteCloudDatabase::list_twins(bool modules) {
  auto& s = impl_->list_kind_k2;
  s.bind(1, kTwin).bind(2, std::int64_t{modules ? 1 : 0});
  std::vector<TwinRecord> out;
  for (const auto& doc : impl_->all(s)) out.push_back(twin_from_storage_json(doc));
  return out;
}

DbResult SqliteCloudDatabase::insert_twin(const TwinRecord& t) {
  return impl_->insert_doc(kTwin, t.identity.device_id, t.identity.module_id.value_or(""), t.etag,
                           twin_storage_json(t));
}

DbResult SqliteCloudDatabase::update_twin(const TwinRecord& t, std::string_view if_etag) {
  return impl_->update_doc(kTwin, t.identity.device_id, t.identity.module_id.value_or(""), t.etag,
                           twin_storage_json(t), if_etag);
}

// ---- policies ----

std::vector<PolicyRecord> SqliteCloudDatabase::list_policies() {
  auto& s = impl_->list_kind;
  s.bind(1, kPolicy).bind(2, std::string_view()).bind(3, INT64_MAX);
  std::vector<PolicyRecord> out;
  for (const auto& doc : impl_->all(s)) out.push_back(policy_from_json(doc));
  return out;
}

std::optional<PolicyRecord> SqliteCloudDatabase::get_policy(std::string_view name) {
  auto found = impl_->find(kPolicy, name, "");
  if (!found) return std::nullopt;
  return policy_from_json(found->first);
}

void SqliteCloudDatabase::put_policy(const PolicyRecord& p) { impl_->upsert_doc(kPolicy, p.name, "", policy_json(p)); }

// ---- configurations ----

std::optional<ConfigurationRecord> SqliteCloudDatabase::get_configuration(std::string_view id) {
  auto found = impl_->find(kConfiguration, id, "");
  if (!found) return std::nullopt;
  return configuration_from_json(found->first);
}

std::vector<ConfigurationRecord> SqliteCloudDatabase::list_configurations() {
  auto& s = impl_->list_kind;
  s.bind(1, kConfiguration).bind(2, std::string_view()).bind(3, INT64_MAX);
  std::vector<ConfigurationRecord> out;
  for (const auto& doc : impl_->all(s)) out.push_back(configuration_from_json(doc));
  return out;
}

DbResult SqliteCloudDatabase::insert_configuration(const ConfigurationRecord& c) {
  return atomically([&] {
    const auto r = impl_->insert_doc(kConfiguration, c.id, "", c.etag, configuration_json(c));
    if (r == DbResult::ok) impl_->meta_bump.bind(1, std::string_view("configurations_generation")).run();
    return r;
  });
}

DbResult SqliteCloudDatabase::update_configuration(const ConfigurationRecord& c, std::string_view if_etag) {
  return atomically([&] {
    const auto r = impl_->update_doc(kConfiguration, c.id, "", c.etag, configuration_json(c), if_etag);
    if (r == DbResult::ok) impl_->meta_bump.bind(1, std::string_view("configurations_generation")).run();
    return r;
  });
}

DbResult SqliteCloudDatabase::delete_configuration(std::string_view id) {
  return atomically([&] {
    const auto r = impl_->remove_doc(kConfiguration, id, "");
    if (r == DbResult::ok) impl_->meta_bump.bind(1, std::string_view("configurations_generation")).run();
    return r;
  });
}

std::int64_t SqliteCloudDatabase::configurations_generation() {
  auto& s = impl_->meta_get;
  s.bind(1, std::string_view("configurations_generation"));
  const auto value = s.step() ? s.integer(0) : 0;
  s.reset();
  return value;
}

// ---- applied content ----

std::optional<DeviceContentRecord> SqliteCloudDatabase::get_device_content(std::string_view device_id) {
  auto found = impl_->find(kContent, device_id, "");
  if (!found) return std::nullopt;
  return device_content_from_json(found->first);
}

void SqliteCloudDatabase::put_device_content(const DeviceContentRecord& c) {
  impl_->upsert_doc(kContent, c.device_id, "", device_content_json(c));
}

// ---- sessions ----

std::optional<std::uint32_t> SqliteCloudDatabase::load_session(std::string_view client_id) {
  auto found = impl_->find(kSession, client_id, "");
  if (!found || !found->first.is_number_unsigned()) return std::nullopt;
  return found->first.get<std::uint32_t>();
}

void SqliteCloudDatabase::save_session(std::string_view client_id, std::uint32_t subscriptions) {
  impl_->upsert_doc(kSession, client_id, "", json(subscriptions));
}

void SqliteCloudDatabase::erase_session(std::string_view client_id) { (void)impl_->remove_doc(kSession, client_id, ""); }

// ---- cloud-to-device ----

std::int64_t SqliteCloudDatabase::enqueue_c2d(const C2dRecord& r) {
  impl_->c2d_insert.bind(1, r.device_id).bind(2, r.enqueued_ms).bind(3, r.expiry_ms)
      .bind(4, message_storage_json(r.message).dump()).run();
  return impl_->db.last_insert_rowid();
}

std::vector<C2dRecord> SqliteCloudDatabase::pending_c2d(std::string_view device_id, std::int64_t now_ms, std::size_t limit,
                                                  std::int64_t after_seq) {
  auto& s = impl_->c2d_pending;
  s.bind(1, device_id).bind(2, after_seq).bind(3, now_ms).bind(4, static_cast<std::int64_t>(limit));
  std::vector<C2dRecord> out;
  while (s.step()) {
    C2dRecord r;
    r.seq = s.integer(0);
    r.device_id = std::string(device_id);
    r.enqueued_ms = s.integer(1);
    r.expiry_ms = s.integer(2);
    r.delivery_count = static_cast<int>(s.integer(3));
    auto stored = parse_json(s.text(4));
    r.message = message_from_storage_json(stored ? *stored : json());
    out.push_back(std::move(r));
  }
  s.reset();
  return out;
}

std::size_t SqliteCloudDatabase::count_c2d(std::string_view device_id) {
  auto& s = impl_->c2d_count;
  s.bind(1, device_id);
  const auto n = s.step() ? s.integer(0) : 0;
  s.reset();
  return static_cast<std::size_t>(n);
}

DbResult SqliteCloudDatabase::complete_c2d(std::int64_t seq) {
  impl_->c2d_delete.bind(1, seq).run();
  return impl_->db.changes() == 1 ? DbResult::ok : DbResult::not_found;
}

void SqliteCloudDatabase::count_c2d_delivery(std::int64_t seq) { impl_->c2d_deliveries.bind(1, seq).run(); }

std::size_t SqliteCloudDatabase::purge_c2d(std::int64_t now_ms, int max_deliveries) {
  impl_->c2d_purge.bind(1, now_ms).bind(2, std::int64_t{max_deliveries}).run();
  return static_cast<std::size_t>(impl_->db.changes());
}

}  // namespace outpost::cloud

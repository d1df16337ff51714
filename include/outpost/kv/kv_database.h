// Small durable key-value state on SQLite (WAL): MQTT sessions, twins, identity caches.
// Low-rate data that wants transactions, not the message log. Not thread-safe: one owner.
// Every failure is a Result whose kind (ErrorKind) says full disk, corrupt file or other I/O.
#pragma once
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "outpost/core/result.h"

namespace outpost::kv {

class KvDatabase {
 public:
  // Opens or creates the database file (durable writes: synchronous=FULL, WAL). Errors name
  // the file and SQLite's reason.
  static Result<std::unique_ptr<KvDatabase>> open(const std::filesystem::path& file);
  ~KvDatabase();

  // The value, nullopt when there is none, or an error when SQLite could not read: "absent"
  // and "unreadable" must not look alike, or a caller would overwrite what it failed to read.
  Result<std::optional<std::string>> get(std::string_view ns, std::string_view key);
  // Durable on return (synchronous=FULL): a process or power failure keeps it.
  Status put(std::string_view ns, std::string_view key, std::string_view value);
  Status erase(std::string_view ns, std::string_view key);
  Status erase_namespace(std::string_view ns);
  Result<std::vector<std::pair<std::string, std::string>>> list(std::string_view ns);

 private:
  KvDatabase() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace outpost::kv

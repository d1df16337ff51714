// The embedded CloudDatabase backend: one SQLite file (WAL, synchronous=FULL) holding registry
// documents as JSON in a single keyed table, plus the cloud-to-device queue.
//
// Schema (version 1):
//   docs (kind, k1, k2, etag, doc)   kind = device | module | twin | policy |
//                                    configuration | content | session;
//                                    k1 = device id (or policy/configuration/client id),
//                                    k2 = module id or ''
//   c2d  (seq, device_id, enqueued_ms, expiry_ms, deliveries, message)
//   meta (key, value)                schema_version, configurations_generation
#pragma once
#include <filesystem>
#include <memory>

#include "cloud_database.h"

namespace outpost::cloud {

class SqliteCloudDatabase final : public CloudDatabase {
 public:
  explicit SqliteCloudDatabase(const std::filesystem::path& file);  // throws DatabaseFailure
  ~SqliteCloudDatabase() override;

  DbResult atomically(const std::function<DbResult()>& work) override;

  std::optional<DeviceRecord> get_device(std::string_view device_id) override;
  std::vector<DeviceRecord> list_devices(std::size_t limit, std::string_view after) override;
  std::size_t count_devices() override;
  DbResult insert_device(const DeviceRecord& device) override;
  DbResult update_device(const DeviceRecord& device, std::string_view if_etag) override;
  DbResult delete_device(std::string_view device_id) override;

  std::optional<ModuleRecord> get_module(std::string_view device_id, std::string_view module_id) override;
  std::vector<ModuleRecord> list_modules(std::string_view device_id) override;
  DbResult insert_module(const ModuleRecord& module) override;
  DbResult update_module(const ModuleRecord& module, std::string_view if_etag) override;
  DbResult delete_module(std::string_view device_id, std::string_view module_id) override;

  std::optional<TwinRecord> get_twin(const iothub::Identity& identity) override;
  std::vector<TwinRecord> list_twins(bool modules) override;
  DbResult insert_twin(const TwinRecord& twin) override;
  DbResult update_twin(const TwinRecord& twin, std::string_view if_etag) override;

  std::vector<PolicyRecord> list_policies() override;
  std::optional<PolicyRecord> get_policy(std::string_view name) override;
  void put_policy(const PolicyRecord& policy) override;

  std::optional<ConfigurationRecord> get_configuration(std::string_view id) override;
  std::vector<ConfigurationRecord> list_configurations() override;
  DbResult insert_configuration(const ConfigurationRecord& config) override;
  DbResult update_configuration(const ConfigurationRecord& config, std::string_view if_etag) override;
  DbResult delete_configuration(std::string_view id) override;
  std::int64_t configurations_generation() override;

  std::optional<DeviceContentRecord> get_device_content(std::string_view device_id) override;
  void put_device_content(const DeviceContentRecord& content) override;

  std::optional<std::uint32_t> load_session(std::string_view client_id) override;
  void save_session(std::string_view client_id, std::uint32_t subscriptions) override;
  void erase_session(std::string_view client_id) override;

  std::int64_t enqueue_c2d(const C2dRecord& record) override;
  std::vector<C2dRecord> pending_c2d(std::string_view device_id, std::int64_t now_ms, std::size_t limit,
                                     std::int64_t after_seq) override;
  std::size_t count_c2d(std::string_view device_id) override;
  DbResult complete_c2d(std::int64_t seq) override;
  void count_c2d_delivery(std::int64_t seq) override;
  std::size_t purge_c2d(std::int64_t now_ms, int max_deliveries) override;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace outpost::cloud

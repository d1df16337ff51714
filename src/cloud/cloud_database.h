// outpost-cloud's databases, behind two interfaces so a second backend can follow the
// embedded SQLite one (sqlite_cloud_database.h). PostgreSQL is the intended second backend, for
// several stateless outpost-cloud front ends sharing one database.
//
// Contract of CloudDatabase (registry state: identities, twins, policies, configurations,
// applied deployment content, MQTT sessions, queued cloud-to-device messages):
//  - Calls are blocking and come from one thread (the event loop's). An implementation
//    need not be thread-safe, but it must not assume it is the only writer of the
//    database: every update of a versioned record is a compare-and-set on its etag, so
//    two front ends racing on one record see one success and one `etag_mismatch`.
//  - Expected outcomes (absent, already there, stale etag) are DbResult values.
//    Environmental failures (disk full, corrupt file, lost database connection) throw
//    DatabaseFailure; the API answers them with 500 and the MQTT endpoint closes the client.
//  - atomically(work) runs `work` in one transaction: all of its writes land or none do.
//    Calls made inside it join that transaction. A DbResult other than `ok` returned
//    by `work`, or an exception, rolls it back.
//  - Etags are chosen by the caller (the registry), not by the storage.
//  - Deleting a device deletes its modules, twins, applied content, sessions and queued
//    cloud-to-device messages in the same transaction.
//  - Lists are ordered by key (device id, then module id) so paging is stable.
//
// Contract of TelemetryLog (device-to-cloud events):
//  - append() is called from the event loop thread and must not block it on I/O: events
//    are queued and made durable in batches (group commit); `done` runs once the whole
//    batch is durable (or failed), on the log's own thread. Only then may the caller
//    acknowledge the events to their senders. Sequence numbers are assigned by append(),
//    increase in call order and survive restarts.
//  - read() may be called from any one thread concurrently with appends; it sees every
//    event whose `done` has run.
//  - Retention (age, total size) is enforced by the log itself, continuously, and what
//    it deletes is counted (RetentionStats).
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model.h"
#include "outpost/core/result.h"
#include "outpost/core/storage_failure.h"
#include "outpost/iothub/identity.h"

namespace outpost::cloud {

// The environmental failures above: an outpost::StorageFailure, whose kind tells a full disk
// from a corrupt file from a lost connection.
using DatabaseFailure = StorageFailure;

enum class DbResult { ok, not_found, already_exists, etag_mismatch };

class CloudDatabase {
 public:
  virtual ~CloudDatabase() = default;

  virtual DbResult atomically(const std::function<DbResult()>& work) = 0;

  // ---- devices ----
  virtual std::optional<DeviceRecord> get_device(std::string_view device_id) = 0;
  // Up to `limit` devices with ids greater than `after`, in id order.
  virtual std::vector<DeviceRecord> list_devices(std::size_t limit = SIZE_MAX, std::string_view after = {}) = 0;
  virtual std::size_t count_devices() = 0;
  virtual DbResult insert_device(const DeviceRecord& device) = 0;                           // already_exists
  virtual DbResult update_device(const DeviceRecord& device, std::string_view if_etag) = 0;  // not_found, etag_mismatch
  virtual DbResult delete_device(std::string_view device_id) = 0;                           // not_found

  // ---- modules ----
  virtual std::optional<ModuleRecord> get_module(std::string_view device_id, std::string_view module_id) = 0;
  virtual std::vector<ModuleRecord> list_modules(std::string_view device_id) = 0;
  virtual DbResult insert_module(const ModuleRecord& module) = 0;
  virtual DbResult update_module(const ModuleRecord& module, std::string_view if_etag) = 0;
  virtual DbResult delete_module(std::string_view device_id, std::string_view module_id) = 0;  // and its twin

  // ---- twins (device twins have no module id) ----
  virtual std::optional<TwinRecord> get_twin(const iothub::Identity& identity) = 0;
  // Device twins (modules = false) or module twins of every device (modules = true).
  virtual std::vector<TwinRecord> list_twins(bool modules) = 0;
  virtual DbResult insert_twin(const TwinRecord& twin) = 0;
  virtual DbResult update_twin(const TwinRecord& twin, std::string_view if_etag) = 0;

  // ---- shared access policies ----
  virtual std::vector<PolicyRecord> list_policies() = 0;
  virtual std::optional<PolicyRecord> get_policy(std::string_view name) = 0;
  virtual void put_policy(const PolicyRecord& policy) = 0;  // insert or replace

  // ---- configurations ----
  virtual std::optional<ConfigurationRecord> get_configuration(std::string_view id) = 0;
  virtual std::vector<ConfigurationRecord> list_configurations() = 0;
  virtual DbResult insert_configuration(const ConfigurationRecord& config) = 0;
  virtual DbResult update_configuration(const ConfigurationRecord& config, std::string_view if_etag) = 0;
  virtual DbResult delete_configuration(std::string_view id) = 0;
  // A counter that changes whenever any configuration changes (lets front ends cache).
  virtual std::int64_t configurations_generation() = 0;

  // ---- what deployments applied to an edge device ----
  virtual std::optional<DeviceContentRecord> get_device_content(std::string_view device_id) = 0;
  virtual void put_device_content(const DeviceContentRecord& content) = 0;

  // ---- MQTT sessions (cleanSession=0): subscription bits per client id ----
  virtual std::optional<std::uint32_t> load_session(std::string_view client_id) = 0;
  virtual void save_session(std::string_view client_id, std::uint32_t subscriptions) = 0;
  virtual void erase_session(std::string_view client_id) = 0;

  // ---- cloud-to-device queue ----
  virtual std::int64_t enqueue_c2d(const C2dRecord& record) = 0;  // returns the assigned seq
  // Unexpired messages of a device, oldest first, with seq > after_seq.
  virtual std::vector<C2dRecord> pending_c2d(std::string_view device_id, std::int64_t now_ms, std::size_t limit,
                                             std::int64_t after_seq = 0) = 0;
  virtual std::size_t count_c2d(std::string_view device_id) = 0;
  virtual DbResult complete_c2d(std::int64_t seq) = 0;
  virtual void count_c2d_delivery(std::int64_t seq) = 0;
  // Deletes expired messages and those delivered `max_deliveries` times; returns how many.
  virtual std::size_t purge_c2d(std::int64_t now_ms, int max_deliveries) = 0;
};

struct EventQuery {
  std::optional<std::int64_t> from_seq;  // first sequence number wanted
  std::optional<std::int64_t> from_ms;   // or first enqueued time wanted
  std::string device_id;                 // empty: every device
  std::size_t limit = 100;
};

struct RetentionPolicy {
  std::int64_t max_age_ms = 7LL * 24 * 3600 * 1000;  // 0: no age limit
  std::uint64_t max_bytes = 1ULL << 30;               // 0: no size limit
};

struct RetentionStats {
  std::uint64_t stored = 0;           // events appended since start
  std::uint64_t expired_age = 0;      // deleted for age since start
  std::uint64_t expired_size = 0;     // deleted for the size cap since start
  std::uint64_t failed = 0;           // events whose append failed
  std::uint64_t event_count = 0;      // events held now
  std::uint64_t bytes = 0;            // their stored size
  std::int64_t first_seq = 0;         // oldest held (0: none)
  std::int64_t last_seq = 0;          // newest durable (0: none)
};

class TelemetryLog {
 public:
  virtual ~TelemetryLog() = default;
  // Gets the events back (sequence numbers set) once they are durable, or with an error.
  using Done = std::function<void(const Status& status, std::vector<TelemetryEvent>&& events)>;
  // Assigns sequence numbers and queues the events; see the contract above.
  virtual void append(std::vector<TelemetryEvent> events, Done done) = 0;
  virtual Result<std::vector<TelemetryEvent>> read(const EventQuery& query) = 0;
  virtual RetentionStats stats() const = 0;
  virtual void flush() = 0;  // blocks until every queued append is durable
};

}  // namespace outpost::cloud

// The identity registry: devices and module identities with IoT Hub's rules — ids, keys
// (generated when none are given), status, etags with If-Match, edge capabilities with
// their automatic $edgeAgent/$edgeHub modules and device scopes, parent/child scopes.
// Each identity gets its twin when it is created. Runs on the event loop's thread.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model.h"
#include "outcome.h"
#include "cloud_database.h"
#include "outpost/core/clock.h"

namespace outpost::cloud {

enum class IdentityChange { created, updated, deleted };

class Registry {
 public:
  Registry(CloudDatabase& storage, const Clock& clock = SystemClock::instance());

  // PUT /devices/{id}: creates when `if_match` is absent (409 if it exists), otherwise
  // updates (404 if absent, 412 on a stale etag; "*" matches any).
  Outcome<DeviceRecord> put_device(const std::string& device_id, const nlohmann::json& body,
                                   const std::optional<std::string>& if_match);
  Outcome<DeviceRecord> get_device(const std::string& device_id) const;
  std::vector<DeviceRecord> list_devices(std::size_t top) const;
  Outcome<void> delete_device(const std::string& device_id, const std::optional<std::string>& if_match);

  Outcome<ModuleRecord> put_module(const std::string& device_id, const std::string& module_id,
                                   const nlohmann::json& body, const std::optional<std::string>& if_match);
  Outcome<ModuleRecord> get_module(const std::string& device_id, const std::string& module_id) const;
  Outcome<std::vector<ModuleRecord>> list_modules(const std::string& device_id) const;
  Outcome<void> delete_module(const std::string& device_id, const std::string& module_id,
                              const std::optional<std::string>& if_match);

  // The edge device whose scope `device` sits in (its parent), if any.
  std::optional<std::string> parent_of(const DeviceRecord& device) const;

  // Called after every committed change (device, or module when module_id is set).
  using Observer = std::function<void(const std::string& device_id, const std::optional<std::string>& module_id,
                                      IdentityChange change)>;
  void observe(Observer observer) { observers_.push_back(std::move(observer)); }

  CloudDatabase& storage() { return storage_; }

 private:
  Outcome<DeviceRecord> create_device(DeviceRecord device);
  Outcome<void> apply_scopes(DeviceRecord& device, const nlohmann::json& body) const;
  DbResult create_system_modules(const DeviceRecord& device);
  void notify(const std::string& device_id, const std::optional<std::string>& module_id, IdentityChange change);

  CloudDatabase& storage_;
  const Clock& clock_;
  std::vector<Observer> observers_;
};

// Parses an authentication object of an API body onto `auth` (keys generated when empty).
Outcome<void> parse_authentication(const nlohmann::json& body, Authentication& auth, bool keep_existing_keys);
// Twin document for a new identity: empty tags and properties, version 1.
TwinRecord new_twin(const iothub::Identity& identity);

}  // namespace outpost::cloud

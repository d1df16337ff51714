// Device and module twins: tags and desired properties written by services, reported
// properties written by devices, versions and etags. Every change is a compare-and-set on
// the stored twin (retried when another writer won), and observers hear about it: the
// device endpoint pushes desired patches to the connected client, deployments re-evaluate
// targets when tags or reported properties change. Runs on the event loop's thread.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model.h"
#include "outcome.h"
#include "cloud_database.h"
#include "outpost/iothub/identity.h"

namespace outpost::cloud {

struct TwinChange {
  iothub::Identity identity;
  std::optional<nlohmann::json> desired_patch;  // with "$version": what to send the device
  bool tags_changed = false;
  bool reported_changed = false;
};

class TwinService {
 public:
  explicit TwinService(CloudDatabase& storage) : storage_(storage) {}

  Outcome<TwinRecord> get(const iothub::Identity& identity) const;

  // PATCH (merge) or PUT (replace) of tags and properties.desired from the service API.
  // properties.reported may not be written by a service.
  Outcome<TwinRecord> update_from_service(const iothub::Identity& identity, const nlohmann::json& body, bool replace,
                                          const std::optional<std::string>& if_match);
  // A reported-properties patch from the device itself.
  Outcome<TwinRecord> patch_reported(const iothub::Identity& identity, const nlohmann::json& patch);
  // Replaces desired properties (deployments, applyConfigurationContent). No-op when equal.
  Outcome<TwinRecord> replace_desired(const iothub::Identity& identity, const nlohmann::json& desired);

  using Observer = std::function<void(const TwinChange& change)>;
  void observe(Observer observer) { observers_.push_back(std::move(observer)); }

 private:
  // Read, mutate, compare-and-set, retrying a few times when another writer got there first.
  Outcome<TwinRecord> modify(const iothub::Identity& identity, const std::optional<std::string>& if_match,
                             const std::function<Outcome<TwinChange>(TwinRecord&)>& mutate);

  CloudDatabase& storage_;
  std::vector<Observer> observers_;
};

// The merge patch that turns `from` into `to`: changed values, and null for removed keys.
nlohmann::json merge_diff(const nlohmann::json& from, const nlohmann::json& to);

// IoT Hub's twin document (GET /twins/...): identity fields from the device or module,
// connection state from the caller, tags, properties with $version, version and etag.
nlohmann::json twin_document(const TwinRecord& twin, const DeviceRecord& device, const ModuleRecord* module,
                             bool connected);

}  // namespace outpost::cloud

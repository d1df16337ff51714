// Configurations (IoT Edge deployments at scale) and what they do to edge devices.
//
// A configuration carries content.modulesContent ({module: {"properties.desired": {...}}}),
// a targetCondition over device twins and a priority. For each edge device (capabilities.
// iotEdge) the applied content is: the matching *base* deployment with the highest
// priority (ties: the most recently created), then every matching *layered* deployment
// (one whose modules use "properties.desired.<path>" keys) with a higher priority than
// that base, lowest priority first, each setting its paths (or whole documents) on top.
// The result replaces the desired properties of the device's module twins ($edgeAgent,
// $edgeHub and the others named), which pushes them to connected clients. Re-evaluated
// when configurations change (every device) and when a device's identity, tags or
// reported properties change (that device). applyConfigurationContent sets a device's
// content directly; it stays until the deployments that target the device change.
// Runs on the event loop's thread.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model.h"
#include "outcome.h"
#include "outpost/cloud_query/query.h"
#include "cloud_database.h"
#include "twins.h"
#include "outpost/core/clock.h"

namespace outpost::cloud {

// modulesContent validated and split into per-module desired documents and layers.
struct ModulesContent {
  std::map<std::string, nlohmann::json> full;  // module -> properties.desired
  std::map<std::string, std::vector<std::pair<std::vector<std::string>, nlohmann::json>>> paths;  // layered keys
  bool layered() const { return !paths.empty(); }
};
// Errors name the module and key at fault.
Result<ModulesContent> parse_modules_content(const nlohmann::json& modules_content);
// Applies a layer's paths and documents on top of `desired` (module -> document).
void apply_layer(std::map<std::string, nlohmann::json>& desired, const ModulesContent& layer);

class Deployments {
 public:
  // `document_of` builds the twin document a targetCondition sees for a device.
  using DocumentOf = std::function<nlohmann::json(const TwinRecord& twin, const DeviceRecord& device)>;
  Deployments(CloudDatabase& storage, TwinService& twins, DocumentOf document_of, const Clock& clock = SystemClock::instance());

  Outcome<ConfigurationRecord> put(const std::string& id, const nlohmann::json& body,
                                   const std::optional<std::string>& if_match);
  Outcome<ConfigurationRecord> get(const std::string& id) const;
  std::vector<ConfigurationRecord> list(std::size_t top) const;
  Outcome<void> remove(const std::string& id, const std::optional<std::string>& if_match);
  // The configuration document with systemMetrics and metrics.results filled in.
  nlohmann::json document(const ConfigurationRecord& config);

  // POST /devices/{id}/applyConfigurationContent: {"modulesContent": {...}}.
  Outcome<void> apply_content(const std::string& device_id, const nlohmann::json& content);

  void evaluate_device(const std::string& device_id);
  void evaluate_all();
  // A module identity was created: give its twin the desired properties waiting for it.
  void module_created(const std::string& device_id, const std::string& module_id);

 private:
  struct Compiled {
    ConfigurationRecord record;
    query::ExprPtr condition;  // null: every device
    ModulesContent content;
  };
  const std::vector<Compiled>& compiled();
  void evaluate(const DeviceRecord& device, const TwinRecord& twin);
  void apply(const std::string& device_id, const std::map<std::string, nlohmann::json>& desired);

  CloudDatabase& storage_;
  TwinService& twins_;
  DocumentOf document_of_;
  const Clock& clock_;
  std::vector<Compiled> compiled_;
  std::int64_t compiled_generation_ = -1;
};

}  // namespace outpost::cloud

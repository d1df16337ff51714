// The `$edgeHub` module twin's desired properties: routes and store-and-forward settings.
//
//   { "schemaVersion": "1.1",
//     "routes": { "r1": "FROM /messages/* INTO $upstream",
//                 "r2": { "route": "FROM ... INTO $upstream", "priority": 0, "timeToLiveSecs": 86400 } },
//     "storeAndForwardConfiguration": { "timeToLiveSecs": 7200, "storeLimits": { "maxSizeBytes": 1000000 } } }
//
// Schema versions (edgeHub's EdgeHubConfigParser): "1.0" takes string routes only; "1.1"
// adds route objects; "1.2" adds `mqttBroker`, of which `authorizations` is read (mqtt_policy)
// and `bridges` (bridge_settings.h; below 1.2 the whole section is ignored, as edgeHub does);
// "1.3" adds `integrity`, ignored with a note. "1.1.0"-style versions parse like .NET's System.Version.
// `$version` and `$metadata` are ignored silently, other unknown keys with a note.
//
// Every route is compiled (syntax *and* types) here, so a bad condition rejects the update
// with an error naming the route — edgeHub only logs such errors later, when its router
// compiles the routes (see src/routing/README.md).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "outpost/core/result.h"
#include "outpost/routing/bridge_settings.h"
#include "outpost/mqtt_policy/authorization_policy.h"
#include "outpost/routing/route_table.h"

namespace outpost::routing {

struct StoreAndForwardConfig {
  std::int64_t ttl_secs = 7200;  // negative: messages never expire
  std::optional<std::int64_t> max_size_bytes;  // storeLimits.maxSizeBytes

  bool never_expires() const { return ttl_secs < 0; }
  bool operator==(const StoreAndForwardConfig&) const = default;
};

struct EdgeHubConfig {
  std::string schema_version;       // as given, e.g. "1.1"
  std::vector<RouteSpec> routes;    // in document order
  RouteTable route_table;           // the same routes, compiled
  StoreAndForwardConfig store_and_forward;
  // mqttBroker.authorizations (schema 1.2+); nullopt when the document has none.
  std::optional<mqtt_policy::AuthorizationPolicy> mqtt_authorizations;
  // mqttBroker.bridges (schema 1.2+); nullopt when the document has none.
  std::optional<std::vector<BridgeSpec>> mqtt_bridges;
  std::vector<std::string> notes;   // what was accepted but ignored, for the log
};

// `desired` is the desired-properties object (with or without $version/$metadata). The
// error names the field or the route, e.g. "routes.r2.priority: must be 0-9, got 12" or
// "route 'r1': column 27: unknown function 'foo'".
Result<EdgeHubConfig> parse_edgehub_desired(const nlohmann::ordered_json& desired);
Result<EdgeHubConfig> parse_edgehub_desired(const nlohmann::json& desired);
// From JSON text (keeps the document's route order); invalid JSON is an error, not a throw.
Result<EdgeHubConfig> parse_edgehub_desired(std::string_view json_text);

}  // namespace outpost::routing

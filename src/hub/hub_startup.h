// Everything outpost-hub reads before it serves — hub.yaml, the identities, the `$edgeHub`
// desired properties and the --ready-file's folder — checked in one pass with every problem
// listed (what `--check` prints), so a bad start fails before any port is bound.
#pragma once
#include <string>

#include "hub_config.h"
#include "identity_registry.h"
#include "outpost/routing/edgehub_config.h"

namespace outpost::hub {

struct HubStartup {
  HubConfig config;
  IdentityRegistry identities;
  routing::EdgeHubConfig desired;
};

// Throws one ConfigError listing every problem found, each naming its file (and line and
// key where there is one).
HubStartup load_hub_startup(const std::string& config_file, const std::string& ready_file);

// The `desired` file (edgehub.json). Unlike a `$edgeHub` twin from the cloud, which must
// carry it (as edgeHub requires), the file may leave out storeAndForwardConfiguration:
// timeToLiveSecs is then 7200 (IoT Edge's default) with no store limit. Throws ConfigError.
routing::EdgeHubConfig load_desired_file(const std::string& file);

}  // namespace outpost::hub

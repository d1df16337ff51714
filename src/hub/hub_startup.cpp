#include "hub_startup.h"

#include <fmt/format.h>

#include "outpost/core/config.h"
#include "outpost/core/config_checks.h"

namespace outpost::hub {

routing::EdgeHubConfig load_desired_file(const std::string& file) {
  auto json = load_json_file(file);
  const bool default_store = json.is_object() && !json.contains("storeAndForwardConfiguration");
  if (default_store) json["storeAndForwardConfiguration"] = {{"timeToLiveSecs", 7200}};
  auto config = routing::parse_edgehub_desired(json);
  if (!config) throw ConfigError(file + ": " + config.error());
  if (default_store)
    config->notes.push_back("storeAndForwardConfiguration: not given, using timeToLiveSecs 7200 and no store limit");
  return std::move(*config);
}

HubStartup load_hub_startup(const std::string& config_file, const std::string& ready_file) {
  const auto root = load_yaml_file(config_file);
  auto& problems = root.problems();
  HubStartup startup;
  problems.attempt([&] { startup.config = read_hub_config(root); });
  if (!startup.config.identities_file.empty())
    problems.attempt([&] { startup.identities = IdentityRegistry::load_file(startup.config.identities_file); });
  if (!startup.config.desired_file.empty())
    problems.attempt([&] { startup.desired = load_desired_file(startup.config.desired_file); });
  if (!ready_file.empty())
    if (auto ok = check_ready_file(ready_file); !ok) problems.add(fmt::format("--ready-file: {}", ok.error()));
  problems.throw_if_any();
  return startup;
}

}  // namespace outpost::hub

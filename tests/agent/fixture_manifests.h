// The real manifests of tests/fixtures/manifests (../shared/fixtures, copied) as the agent tests
// deploy them: each file with the modules the runtime must then have (edgeAgent, the
// manifest's modules, and edgeHub when it has one).
#pragma once
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "outpost/core/json.h"
#include "support/process.h"

namespace outpost::testing {

struct FixtureManifest {
  std::string file;
  std::set<std::string> modules;
};

inline std::vector<FixtureManifest> fixture_manifests(const std::string& folder) {
  std::vector<FixtureManifest> out;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
    FixtureManifest m{entry.path().string(), {"edgeAgent"}};
    const auto manifest = parse_json(read_file(m.file));
    if (!manifest) throw std::runtime_error(m.file + ": " + manifest.error());
    const auto& desired = (*manifest)["modulesContent"]["$edgeAgent"]["properties.desired"];
    for (const auto& [name, module] : desired["modules"].items()) m.modules.insert(name);
    if (desired["systemModules"].contains("edgeHub")) m.modules.insert("edgeHub");
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace outpost::testing

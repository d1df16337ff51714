// IoT Edge 1.5's /etc/aziot/config.toml, read as outpostd's own configuration
// (`outpostd -c config.toml`): operators migrating from IoT Edge bring that file. The TOML is
// mapped key by key onto config.yaml's shape (docs/DAEMON.md, "From IoT Edge 1.5"), then read
// by the same reader, so both files mean the same and are checked the same. TOML syntax
// errors and keys outpostd does not know carry config.toml's line and column; problems with
// a value name the config.yaml key it maps to.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "outpost/core/config.h"

namespace outpost::daemon {

struct AziotConversion {
  ConfigNode root;                  // config.yaml's shape
  std::vector<std::string> ignored;  // keys accepted for compatibility that change nothing here
  YAML::Node yaml;                  // root's node, to write it out (`outpost config import`)
};

// Throws ConfigError listing every problem found while mapping.
AziotConversion convert_aziot_toml(std::string_view text, const std::string& file_name);

}  // namespace outpost::daemon

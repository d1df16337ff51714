// outpostd's configuration reader for other programs (the CLI's `outpost config …`): the same
// code outpostd runs at start and for `--check`, so both say the same of a file.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace outpost::daemon {

// Reads `file` as `outpostd -c file --check` does (config.yaml, or IoT Edge 1.5's config.toml
// when the name ends in .toml), including what it names on disk. Throws ConfigError listing
// every problem; else returns what --check prints after "<file>: ",
// "ok (device 'edge1', provisioning manual, home /var/lib/outpost)".
std::string check_config_file(const std::string& file);
// The same for config.yaml text about to be written as `file` (relative paths are taken
// from that file's folder; the text itself is not read from disk).
std::string check_config_text(std::string_view yaml, const std::string& file);

struct ImportedConfig {
  std::string yaml;                  // config.yaml text, commented
  std::vector<std::string> ignored;  // keys accepted that change nothing here
};

// IoT Edge's configuration as Outpost's config.yaml: 1.5's config.toml (when `file_name`
// ends in .toml) mapped key by key as outpostd reads it (docs/DAEMON.md, "From IoT Edge 1.5"),
// or a 1.1 config.yaml, already this shape, kept as written (its comments too). Either under
// a header comment naming the source and what was not carried over. Throws ConfigError for
// what cannot be mapped (a TOML syntax error, an unknown key, parent_hostname …); whether the
// values are valid is check_config_text's job.
ImportedConfig import_iotedge_config(std::string_view text, const std::string& file_name);

}  // namespace outpost::daemon

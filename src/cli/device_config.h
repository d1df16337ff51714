// What the device-side commands (`outpost deployment`, `outpost list`) need from outpostd's
// config.yaml: where its management API is, where its home is, and where the local deployment
// file lives.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace outpost::cli {

inline constexpr const char* kDefaultConfig = "/etc/outpost/config.yaml";

struct DeviceConfig {
  std::string management_uri = "unix:///var/run/outpost/mgmt.sock";
  std::string homedir = "/var/lib/outpost";
  std::string deployment_file;  // beside config.yaml, or the agent's OUTPOST_DEPLOYMENT_FILE
};

// A missing file gives the defaults (with the deployment file beside where it would be);
// a file that does not parse throws UsageError naming it.
DeviceConfig read_device_config(const std::string& config_file);

class Options;
// Where the management API is, as iotedge takes it: --host (-H), else IOTEDGE_HOST, else
// config.yaml's connect.management_uri.
std::string management_uri(const Options& opts, const DeviceConfig& device);
// iotedge's short options spelled out for Options: -H → --host, -f → --follow, -o → --output,
// -c → --config.
std::vector<std::string> expand_short_options(const std::vector<std::string>& args);

// "<module> [options]" (logs, restart): the module, and the options after it with short ones
// spelled out; nullopt when there is nothing or --help (the caller prints its usage). Throws
// UsageError when an option comes first.
struct ModuleArguments {
  std::string module;
  std::vector<std::string> options;
};
std::optional<ModuleArguments> module_arguments(const std::vector<std::string>& args, const std::string& command);

}  // namespace outpost::cli

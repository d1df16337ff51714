#include "device_config.h"

#include <filesystem>

#include "options.h"
#include "outpost/core/config.h"

namespace outpost::cli {

DeviceConfig read_device_config(const std::string& config_file) {
  namespace fs = std::filesystem;
  DeviceConfig device;
  device.deployment_file = (fs::absolute(config_file).parent_path() / "deployment.json").string();
  std::error_code ec;
  if (!fs::exists(config_file, ec)) return device;
  try {
    const auto root = load_yaml_file(config_file);
    if (const auto uri = root.child("connect").optional_string("management_uri")) device.management_uri = *uri;
    if (const auto home = root.optional_string("homedir")) device.homedir = *home;
    if (const auto file = root.child("agent").child("env").optional_string("OUTPOST_DEPLOYMENT_FILE"))
      device.deployment_file = *file;
  } catch (const std::exception& e) {
    throw UsageError(e.what());
  }
  return device;
}

std::string management_uri(const Options& opts, const DeviceConfig& device) {
  if (auto host = opts.get("host")) return *host;
  if (auto host = env_var("IOTEDGE_HOST")) return *host;
  return device.management_uri;
}

std::vector<std::string> expand_short_options(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const auto& arg : args)
    out.push_back(arg == "-H"   ? "--host"
                  : arg == "-f" ? "--follow"
                  : arg == "-o" ? "--output"
                  : arg == "-c" ? "--config"
                                : arg);
  return out;
}

std::optional<ModuleArguments> module_arguments(const std::vector<std::string>& args, const std::string& command) {
  const auto expanded = expand_short_options(args);
  if (expanded.empty() || expanded[0] == "--help") return std::nullopt;
  if (expanded[0].rfind("--", 0) == 0)
    throw UsageError("the module comes first: outpost " + command + " <module> [options]");
  return ModuleArguments{expanded[0], {expanded.begin() + 1, expanded.end()}};
}

}  // namespace outpost::cli

// outpost deployment apply FILE: on a device without a cloud (provisioning: local), validates
// a deployment manifest as the agent does (same codes, same words) and, if it is valid, puts
// it where the agent watches (the file beside config.yaml), with the next $version. The agent
// applies it within a second; `outpost list` shows the modules.
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "commands.h"
#include "device_config.h"
#include "outpost/agent/manifest.h"
#include "options.h"
#include "outpost/core/file_io.h"
#include "outpost/core/json.h"

namespace outpost::cli {
namespace {

constexpr const char* kDeploymentUsage =
    "usage: outpost deployment apply FILE [--config /etc/outpost/config.yaml]\n"
    "  validates FILE (a deployment manifest: {\"modulesContent\": ...}) and hands it to the\n"
    "  device's agent (provisioning: local); exit 1 with the agent's code and reason if invalid\n";

// The $version of the deployment the agent has now, or 0.
std::int64_t current_version(const std::string& file) {
  auto text = read_whole_file(file, 4 * 1024 * 1024);
  if (!text) return 0;
  auto parsed = parse_json(*text);
  if (!parsed || !parsed->is_object()) return 0;
  const auto& content = parsed->contains("modulesContent") ? (*parsed)["modulesContent"] : *parsed;
  return integer_field(object_field(object_field(content, "$edgeAgent"), "properties.desired"), "$version", 0);
}

int apply_deployment(const std::string& file, const std::string& config_file) {
  auto text = read_whole_file(file, 4 * 1024 * 1024);
  if (!text) throw UsageError(text.error());
  auto parsed = parse_json(*text);
  if (!parsed) {
    std::cerr << "outpost deployment apply: " << file << ": refused (400): " << parsed.error() << "\n";
    return 1;
  }
  auto deployment = agent::parse_deployment(*parsed);
  if (!deployment) {
    std::cerr << "outpost deployment apply: " << file << ": refused (" << deployment.failure().code
              << "): " << deployment.failure().description << "\n";
    return 1;
  }
  const auto device = read_device_config(config_file);
  // The agent tells deployments apart by $version (lastDesiredVersion): the next one.
  auto content = parsed->contains("content") ? (*parsed)["content"] : *parsed;
  auto& envelope = content.contains("modulesContent") ? content["modulesContent"] : content;
  const auto version = current_version(device.deployment_file) + 1;
  envelope["$edgeAgent"]["properties.desired"]["$version"] = version;
  // Registry passwords may be in it: readable by root (and the agent) only.
  if (auto written = write_file_atomically(device.deployment_file, content.dump(2), 0600); !written)
    throw UsageError(written.error());
  const auto& manifest = deployment->agent;
  std::cout << "deployment " << version << " handed to the agent (" << device.deployment_file << "): "
            << manifest.modules.size() + (manifest.edge_hub ? 1 : 0) << " modules; 'outpost list' shows them\n";
  return 0;
}

}  // namespace

int deployment_command(const std::vector<std::string>& args) {
  try {
    if (args.empty()) throw UsageError("expected: apply FILE");
    if (std::find(args.begin(), args.end(), "--help") != args.end()) {
      std::cout << kDeploymentUsage;
      return 0;
    }
    if (args[0] != "apply" || args.size() < 2) throw UsageError("expected: apply FILE");
    const std::vector<std::string> rest(args.begin() + 2, args.end());
    const Options opts(rest, std::set<std::string>{"config"}, std::set<std::string>{"help"});
    return apply_deployment(args[1], opts.get("config").value_or(kDefaultConfig));
  } catch (const UsageError& e) {
    std::cerr << "outpost deployment: " << e.what() << "\n" << kDeploymentUsage;
    return 2;
  }
}

}  // namespace outpost::cli

// outpost cloud deployment apply <manifest.json>: a deployment for one edge device
// (--device: applyConfigurationContent) or for every device a condition selects
// (--target-condition: a configuration, as `az iot edge deployment create`).
#include <iostream>

#include "cloud_api.h"
#include "commands.h"
#include "outpost/core/config.h"
#include "outpost/core/encoding.h"

namespace outpost::cli {

int cloud_deployment_command(const std::vector<std::string>& args) {
  constexpr const char* kUsage =
      "usage: outpost cloud deployment apply <manifest.json> --device ID\n"
      "       outpost cloud deployment apply <manifest.json> --target-condition QUERY --id NAME [--priority N]\n"
      "  each with --connection-string CS (or OUTPOST_CLOUD_CONNECTION_STRING) [--url URL] [--ca-file PEM]\n";
  const auto [p, opts] = parse_cloud_command(args, {"device", "target-condition", "id", "priority"});
  if (opts.has("help") || p.size() != 2 || p[0] != "apply") {
    std::cout << kUsage;
    return opts.has("help") ? 0 : 2;
  }
  nlohmann::json manifest;
  try {
    manifest = load_json_file(p[1]);
  } catch (const std::exception& e) {
    throw UsageError(e.what());
  }
  const auto content = manifest.contains("content") ? manifest["content"] : manifest;  // az's file, or modulesContent's
  const CloudApi api(opts);
  if (auto device = opts.get("device")) {
    api.call("POST", "/devices/" + url_encode(*device) + "/applyConfigurationContent", content);
    std::cout << "deployment applied to " << *device << "\n";
    return 0;
  }
  const auto condition = opts.get("target-condition");
  if (!condition) throw UsageError("--device ID or --target-condition QUERY is needed");
  nlohmann::json configuration{{"id", opts.require("id")}, {"content", content}, {"targetCondition", *condition},
                               {"priority", std::stoll(opts.get("priority").value_or("0"))}};
  print_json(api.call("PUT", "/configurations/" + url_encode(opts.require("id")), configuration).body);
  return 0;
}

}  // namespace outpost::cli

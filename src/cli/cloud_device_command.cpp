// outpost cloud device create|list|show|delete: device identities in outpost-cloud (or IoT
// Hub), as `az iot hub device-identity` manages them.
#include <cstdio>
#include <iostream>

#include "cloud_api.h"
#include "commands.h"
#include "outpost/core/crypto.h"
#include "outpost/core/encoding.h"
#include "outpost/core/json.h"

namespace outpost::cli {

int cloud_device_command(const std::vector<std::string>& args) {
  constexpr const char* kUsage =
      "usage: outpost cloud device create <id> [--edge] [--key BASE64]\n"
      "       outpost cloud device list [-o json]\n"
      "       outpost cloud device show <id>\n"
      "       outpost cloud device delete <id>\n"
      "  each with --connection-string CS (or OUTPOST_CLOUD_CONNECTION_STRING) [--url URL] [--ca-file PEM]\n";
  const auto [positional, opts] = parse_cloud_command(args, {"key", "output"}, {"edge"});
  if (opts.has("help") || positional.empty()) {
    std::cout << kUsage;
    return opts.has("help") ? 0 : 2;
  }
  const auto& verb = positional[0];
  const auto id = [&]() -> std::string {
    if (positional.size() < 2) throw UsageError("outpost cloud device " + verb + " needs the device id");
    return positional[1];
  };
  const CloudApi api(opts);
  if (verb == "create") {
    const auto key = opts.get("key").value_or(base64_encode(random_bytes(32)));
    nlohmann::json device{{"deviceId", id()},
                          {"authentication", {{"type", "sas"}, {"symmetricKey", {{"primaryKey", key}, {"secondaryKey", base64_encode(random_bytes(32))}}}}}};
    if (opts.has("edge")) device["capabilities"] = {{"iotEdge", true}};
    print_json(api.call("PUT", "/devices/" + url_encode(id()), device).body);
    return 0;
  }
  if (verb == "show") {
    print_json(api.call("GET", "/devices/" + url_encode(id())).body);
    return 0;
  }
  if (verb == "delete") {
    api.call("DELETE", "/devices/" + url_encode(id()), nullptr, "*");
    std::cout << id() << "\n";
    return 0;
  }
  if (verb == "list") {
    const auto devices = api.call("GET", "/devices?top=1000").body;
    if (opts.get("output") == "json") {
      print_json(devices);
      return 0;
    }
    std::printf("%-32s %-6s %-10s %s\n", "DEVICE ID", "EDGE", "STATUS", "CONNECTION");
    for (const auto& d : devices.is_array() ? devices : nlohmann::json::array()) {
      const bool edge = object_field(d, "capabilities").value("iotEdge", false);
      std::printf("%-32s %-6s %-10s %s\n", string_field(d, "deviceId").c_str(), edge ? "yes" : "no",
                  string_field(d, "status", "enabled").c_str(), string_field(d, "connectionState", "Disconnected").c_str());
    }
    return 0;
  }
  throw UsageError("unknown device command '" + verb + "' (create, list, show, delete)");
}

}  // namespace outpost::cli

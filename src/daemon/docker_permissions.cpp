#include "docker_permissions.h"

#include <algorithm>

namespace outpost::daemon {

using nlohmann::json;

std::vector<std::string> restrict_docker_permissions(json& create_options) {
  std::vector<std::string> removed;
  if (!create_options.is_object()) create_options = json::object();
  auto& host = create_options["HostConfig"];
  if (!host.is_object()) host = json::object();
  if (host.contains("Privileged") && host["Privileged"] == true) removed.emplace_back("Privileged");
  host["Privileged"] = false;
  if (host.contains("CapAdd")) {
    if (host["CapAdd"].is_array())
      for (const auto& cap : host["CapAdd"]) removed.push_back("CapAdd " + (cap.is_string() ? cap.get<std::string>() : cap.dump()));
    host.erase("CapAdd");
  }
  auto& drop = host["CapDrop"];
  if (!drop.is_array()) drop = json::array();
  for (const char* cap : {"CHOWN", "SETUID"})
    if (std::find(drop.begin(), drop.end(), json(cap)) == drop.end()) drop.push_back(cap);
  return removed;
}

}  // namespace outpost::daemon

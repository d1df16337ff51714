#include "outpost/iothub/service_paths.h"

namespace outpost::iothub {

std::optional<TwinsPath> parse_twins_path(const std::vector<std::string>& parts) {
  if (parts.size() < 2 || parts[0] != "twins" || parts[1].empty()) return std::nullopt;
  TwinsPath path{{parts[1], std::nullopt}, std::nullopt};
  std::size_t next = 2;
  if (parts.size() >= 4 && parts[2] == "modules" && !parts[3].empty()) {
    path.identity.module_id = parts[3];
    next = 4;
  }
  if (parts.size() == next + 1) path.operation = parts[next];
  else if (parts.size() != next) return std::nullopt;
  return path;
}

std::string service_resource(const std::vector<std::string>& parts) {
  if (parts.size() >= 2 && parts[0] == "twins") {
    std::string resource = "devices/" + parts[1];
    if (parts.size() >= 4 && parts[2] == "modules") resource += "/modules/" + parts[3];
    return resource;
  }
  if (parts.size() == 2 && parts[0] == "devices" && parts[1] == "query") return "devices";
  std::string resource;
  for (const auto& part : parts) resource += (resource.empty() ? "" : "/") + part;
  return resource;
}

}  // namespace outpost::iothub

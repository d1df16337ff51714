#include "service_state.h"

#include <cstdlib>
#include <sstream>

#include <fmt/format.h>

namespace outpost::cli {

ServiceState parse_systemctl_show(const std::string& text) {
  ServiceState state;
  state.systemd = true;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const auto key = line.substr(0, eq);
    const auto value = line.substr(eq + 1);
    if (key == "LoadState") state.load_state = value;
    else if (key == "ActiveState") state.active_state = value;
    else if (key == "SubState") state.sub_state = value;
    else if (key == "Result") state.result = value;
    else if (key == "MainPID") state.main_pid = std::strtol(value.c_str(), nullptr, 10);
  }
  return state;
}

std::string describe(const ServiceState& s) {
  if (!s.systemd) return fmt::format("not a systemd service here ({})", s.why_not);
  if (s.load_state == "not-found" || s.load_state.empty())
    return fmt::format("not installed as a systemd service (no {}.service)", kServiceName);
  if (s.load_state == "masked") return "Masked";
  if (s.active_state == "active")
    return s.sub_state == "running" || s.sub_state.empty() ? "Running" : fmt::format("Active ({})", s.sub_state);
  if (s.active_state == "inactive") return "Stopped";
  if (s.active_state == "failed")
    return s.result.empty() || s.result == "success" ? "Failed" : fmt::format("Failed ({})", s.result);
  if (s.active_state == "activating") return s.sub_state == "auto-restart" ? "Restarting" : "Starting";
  if (s.active_state == "deactivating") return "Stopping";
  if (s.active_state == "reloading") return "Reloading";
  return s.active_state;
}

}  // namespace outpost::cli

// outpost list: the modules the device runs, as `iotedge list` prints them —
//   NAME  STATUS  DESCRIPTION  CONFIG
// from the daemon's management API (what runs) and the agent's reported status (backoff,
// failed), when the agent has written it.
#include <algorithm>
#include <cstdio>
#include <iostream>

#include "commands.h"
#include "device_config.h"
#include "options.h"
#include "outpost/core/clock.h"
#include "outpost/core/file_io.h"
#include "outpost/core/json.h"
#include "outpost/management_client/management_client.h"

namespace outpost::cli {
namespace {

std::string since(const std::string& rfc3339, std::int64_t now) {
  const auto ms = parse_iso8601_ms(rfc3339);
  if (!ms) return "";
  const auto secs = std::max<std::int64_t>(0, now - *ms / 1000);
  if (secs < 60) return std::to_string(secs) + " seconds";
  if (secs < 3600) return std::to_string(secs / 60) + " minutes";
  if (secs < 86400) return std::to_string(secs / 3600) + " hours";
  return std::to_string(secs / 86400) + " days";
}

// The agent's word for a module (backoff, failed), if it reported one.
std::string agent_status(const nlohmann::json& reported, const std::string& name) {
  for (const auto* group : {"modules", "systemModules"}) {
    const auto& modules = object_field(reported, group);
    if (modules.contains(name)) return string_field(modules[name], "runtimeStatus");
  }
  return "";
}

}  // namespace

int list_command(const std::vector<std::string>& args) {
  try {
    const Options opts(expand_short_options(args), std::set<std::string>{"config", "host"}, std::set<std::string>{"help"});
    if (opts.has("help")) {
      std::cout << "usage: outpost list [-H|--host URI] [--config /etc/outpost/config.yaml]\n";
      return 0;
    }
    const auto device = read_device_config(opts.get("config").value_or(kDefaultConfig));
    auto management = management::ManagementClient::create({management_uri(opts, device)});
    if (!management) throw UsageError(management.error());
    auto modules = management->list_modules();
    if (!modules) {
      std::cerr << "outpost list: " << modules.error() << "\n(is outpostd running? see: systemctl status outpostd)\n";
      return 1;
    }
    nlohmann::json reported = nlohmann::json::object();
    if (auto text = read_whole_file(device.homedir + "/modules/edgeAgent/work/reported.json"); text)
      if (auto parsed = parse_json(*text); parsed && parsed->is_object()) reported = std::move(*parsed);
    const auto now = SystemClock::instance().unix_seconds();
    // As iotedge list: the name column as wide as the longest name (24 at least).
    int name_width = 24;
    for (const auto& m : *modules) name_width = std::max(name_width, static_cast<int>(m.name.size()));
    std::printf("%-*s %-12s %-28s %s\n", name_width, "NAME", "STATUS", "DESCRIPTION", "CONFIG");
    for (const auto& m : *modules) {
      auto status = agent_status(reported, m.name);
      if (status.empty() || status == "unknown") status = m.runtime_status;
      std::string description;
      if (m.runtime_status == "running") description = "Up " + since(m.start_time, now);
      else if (status == "backoff") description = "Restarting soon (exit code " + std::to_string(m.exit_code.value_or(0)) + ")";
      else if (m.exit_code) description = "Stopped (exit code " + std::to_string(*m.exit_code) + ")";
      else description = "Stopped";
      std::printf("%-*s %-12s %-28s %s\n", name_width, m.name.c_str(), status.c_str(), description.c_str(), m.image.c_str());
    }
    return 0;
  } catch (const UsageError& e) {
    std::cerr << "outpost list: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace outpost::cli

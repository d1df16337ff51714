// outpost check (iotedge check): runs device_checks() and prints them as IoT Edge does —
//   √ config.yaml is well-formed - OK
//   ‼ production readiness: logs policy - Warning
//       <what to do>
//   × outpostd answers on its management URI - Error
//       <why>
// grouped, then how many succeeded, warned, failed, were skipped; `-o json` for scripts,
// `--verbose` for the details of passing checks too. Exit 1 when a check failed.
#include <iostream>
#include <map>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "device_checks.h"
#include "device_config.h"
#include "options.h"

namespace outpost::cli {
namespace {

const char* mark(CheckResult r) {
  switch (r) {
    case CheckResult::ok: return "\u221a";        // √
    case CheckResult::warning: return "\u203c";   // ‼
    case CheckResult::error: return "\u00d7";     // ×
    case CheckResult::skipped: return "-";
  }
  return "?";
}

void print_details(const std::string& details) {
  std::size_t at = 0;
  while (at < details.size()) {
    const auto end = details.find('\n', at);
    std::cout << "    " << details.substr(at, end == std::string::npos ? std::string::npos : end - at) << "\n";
    if (end == std::string::npos) break;
    at = end + 1;
  }
}

}  // namespace

int check_command(const std::vector<std::string>& args) {
  constexpr const char* kUsage =
      "usage: outpost check [--config /etc/outpost/config.yaml] [-H|--host URI] [-o text|json] [--verbose]\n";
  try {
    const Options opts(expand_short_options(args), {"config", "host", "output"}, {"verbose", "help"});
    if (opts.has("help")) {
      std::cout << kUsage;
      return 0;
    }
    const auto output = opts.get("output").value_or("text");
    if (output != "text" && output != "json") throw UsageError("-o takes text or json");
    const auto config = opts.get("config").value_or(kDefaultConfig);
    DeviceConfig device = read_device_config(config);
    const auto facts = read_device_facts(config, management_uri(opts, device));

    const auto runs = run_device_checks(facts);
    std::map<CheckResult, int> counts;
    std::string group;
    for (const auto& [check, outcome] : runs) {
      ++counts[outcome.result];
      if (output == "json") continue;
      if (check->group != group) {
        if (!group.empty()) std::cout << "\n";
        group = check->group;
        std::cout << group << "\n" << std::string(group.size(), '-') << "\n";
      }
      std::cout << mark(outcome.result) << " " << check->description << " - " << to_string(outcome.result) << "\n";
      if (!outcome.details.empty() && (outcome.result != CheckResult::ok || opts.has("verbose"))) print_details(outcome.details);
    }
    if (output == "json") {
      std::cout << checks_json(runs).dump(2) << "\n";
    } else {
      std::cout << "\n" << counts[CheckResult::ok] << " check(s) succeeded.\n";
      if (counts[CheckResult::warning]) std::cout << counts[CheckResult::warning] << " check(s) raised warnings.\n";
      if (counts[CheckResult::error]) std::cout << counts[CheckResult::error] << " check(s) raised errors.\n";
      if (counts[CheckResult::skipped]) std::cout << counts[CheckResult::skipped] << " check(s) were skipped.\n";
    }
    return counts[CheckResult::error] ? 1 : 0;
  } catch (const UsageError& e) {
    std::cerr << "outpost check: " << e.what() << "\n" << kUsage;
    return 2;
  }
}

}  // namespace outpost::cli

#include "outpostd_service.h"

#include <fmt/format.h>

#include "programs.h"

namespace outpost::cli {
namespace {

std::string systemctl() { return find_program("systemctl", "OUTPOST_SYSTEMCTL"); }

ServiceState no_systemd(std::string why) {
  ServiceState state;
  state.why_not = std::move(why);
  return state;
}

}  // namespace

ServiceState outpostd_service_state() {
  const auto program = systemctl();
  if (program.empty()) return no_systemd("systemctl is not installed");
  const auto shown = capture({program, "show", kServiceName, kShowProperties});
  if (shown.status != 0) {
    const auto words = first_line(shown.output);
    return no_systemd(words.empty() ? fmt::format("systemctl show exited {}", shown.status)
                                    : fmt::format("systemctl: {}", words));
  }
  return parse_systemctl_show(shown.output);
}

RestartOutcome restart_outpostd_service() {
  const auto state = outpostd_service_state();
  if (!state.systemd)
    return {RestartResult::no_systemd, fmt::format("outpostd is not a systemd service here ({})", state.why_not)};
  if (!state.installed())
    return {RestartResult::not_installed,
            fmt::format("there is no {}.service here (packaging/systemd/outpostd.service installs it)", kServiceName)};
  const auto restarted = capture({systemctl(), "restart", kServiceName});
  if (restarted.status != 0) {
    const auto words = first_line(restarted.output);
    return {RestartResult::failed, words.empty() ? fmt::format("systemctl restart {} exited {}", kServiceName, restarted.status)
                                                 : fmt::format("systemctl restart {} failed: {}", kServiceName, words)};
  }
  return {RestartResult::restarted, fmt::format("{}.service restarted", kServiceName)};
}

JournalCommand outpostd_journal_command(const std::vector<std::string>& extra) {
  const auto journalctl = find_program("journalctl", "OUTPOST_JOURNALCTL");
  if (journalctl.empty()) return {{}, "journalctl is not installed here: no systemd journal to read"};
  const auto state = outpostd_service_state();
  if (!state.systemd)
    return {{}, fmt::format("outpostd is not a systemd service here ({}): its log is where it was started", state.why_not)};
  if (!state.installed()) return {{}, fmt::format("there is no {}.service here, so no journal of it", kServiceName)};
  std::vector<std::string> argv{journalctl, "-u", kServiceName};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return {std::move(argv), {}};
}

}  // namespace outpost::cli

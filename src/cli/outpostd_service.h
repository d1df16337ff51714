// outpostd as the systemd service outpostd.service: its state, restarting it (systemctl) and
// its journal (journalctl). OUTPOST_SYSTEMCTL and OUTPOST_JOURNALCTL name other programs
// (tests put fakes there). Used by `outpost system …` and `outpost config apply`.
#pragma once
#include <string>
#include <vector>

#include "service_state.h"

namespace outpost::cli {

// `systemctl show outpostd --property=…`; systemd = false (with why) when systemctl is not
// there or fails (no systemd as PID 1: a container, a chroot, a test machine).
ServiceState outpostd_service_state();

enum class RestartResult { restarted, no_systemd, not_installed, failed };
struct RestartOutcome {
  RestartResult result;
  std::string message;  // one line: what happened, or why not
};
// `systemctl restart outpostd`, when outpostd is a systemd service here.
RestartOutcome restart_outpostd_service();

// The journalctl command line for outpostd's journal (-u outpostd, then `extra`), or an
// error: no journalctl, no systemd, no unit.
struct JournalCommand {
  std::vector<std::string> argv;
  std::string error;
};
JournalCommand outpostd_journal_command(const std::vector<std::string>& extra);

}  // namespace outpost::cli

// What systemd says of outpostd.service, from `systemctl show` — pure, so it is unit-tested
// without a systemd.
#pragma once
#include <string>

namespace outpost::cli {

inline constexpr const char* kServiceName = "outpostd";  // packaging/systemd/outpostd.service
// What `outpost system status` asks `systemctl show` for.
inline constexpr const char* kShowProperties = "--property=LoadState,ActiveState,SubState,Result,MainPID";

struct ServiceState {
  bool systemd = false;    // systemctl ran and answered
  std::string why_not;     // when it did not: systemctl missing, or its words (no systemd as PID 1)
  std::string load_state;  // loaded, not-found, masked, error …
  std::string active_state;  // active, inactive, failed, activating, deactivating, reloading
  std::string sub_state;     // running, dead, exited, auto-restart …
  std::string result;        // success, exit-code, signal, timeout …
  long main_pid = 0;

  bool installed() const { return systemd && load_state != "not-found" && !load_state.empty(); }
  bool running() const { return installed() && active_state == "active"; }
};

// `systemctl show … --property=…` output ("Key=Value" lines) into a state (systemd = true).
ServiceState parse_systemctl_show(const std::string& text);

// The service's word for `system status`'s table, as iotedge system status prints
// "Running", "Stopped" …; for no systemd or no unit, a sentence saying so.
std::string describe(const ServiceState& state);

}  // namespace outpost::cli

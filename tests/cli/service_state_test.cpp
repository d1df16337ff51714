// What `outpost system status` makes of `systemctl show outpostd` (src/cli/service_state.*):
// the words of iotedge system status for each state systemd reports, and sentences for no
// systemd and no unit.
#include "service_state.h"

#include <gtest/gtest.h>

namespace outpost::cli {
namespace {

ServiceState shown(const std::string& active, const std::string& sub, const std::string& result = "success",
                   const std::string& load = "loaded") {
  return parse_systemctl_show("LoadState=" + load + "\nActiveState=" + active + "\nSubState=" + sub + "\nResult=" + result +
                              "\nMainPID=4242\n");
}

TEST(ServiceState, ReadsSystemctlShowsKeyValueLines) {
  const auto s = shown("active", "running");
  EXPECT_TRUE(s.systemd);
  EXPECT_EQ(s.load_state, "loaded");
  EXPECT_EQ(s.active_state, "active");
  EXPECT_EQ(s.sub_state, "running");
  EXPECT_EQ(s.main_pid, 4242);
  EXPECT_TRUE(s.installed());
  EXPECT_TRUE(s.running());
  EXPECT_EQ(describe(s), "Running");
}

TEST(ServiceState, SaysEachStateInIotEdgesWords) {
  EXPECT_EQ(describe(shown("inactive", "dead")), "Stopped");
  EXPECT_EQ(describe(shown("failed", "failed", "exit-code")), "Failed (exit-code)");
  EXPECT_EQ(describe(shown("activating", "auto-restart", "exit-code")), "Restarting");
  EXPECT_EQ(describe(shown("activating", "start")), "Starting");
  EXPECT_EQ(describe(shown("deactivating", "stop-sigterm")), "Stopping");
  EXPECT_EQ(describe(shown("active", "exited")), "Active (exited)");
  EXPECT_EQ(describe(shown("inactive", "dead", "success", "masked")), "Masked");
  EXPECT_FALSE(shown("inactive", "dead").running());
  EXPECT_FALSE(shown("activating", "auto-restart").running());
}

TEST(ServiceState, NoUnitAndNoSystemdAreSentences) {
  const auto missing = shown("inactive", "dead", "success", "not-found");
  EXPECT_FALSE(missing.installed());
  EXPECT_EQ(describe(missing), "not installed as a systemd service (no outpostd.service)");
  ServiceState none;
  none.why_not = "systemctl is not installed";
  EXPECT_FALSE(none.installed());
  EXPECT_EQ(describe(none), "not a systemd service here (systemctl is not installed)");
  EXPECT_FALSE(parse_systemctl_show("").installed()) << "nothing said is nothing installed";
}

}  // namespace
}  // namespace outpost::cli

// Restart policies as IoT Edge's agent defines them, except that nothing is given up on by
// default and on-unhealthy is its own policy.
#include "restart_policy.h"

#include <gtest/gtest.h>

namespace outpost::agent {
namespace {

using Action = RestartDecision::Action;

TEST(RestartPolicy, WhichStatesEachPolicyRestarts) {
  EXPECT_FALSE(restart_wanted(RestartPolicy::never, RuntimeState::failed));
  EXPECT_TRUE(restart_wanted(RestartPolicy::on_failure, RuntimeState::failed));
  EXPECT_FALSE(restart_wanted(RestartPolicy::on_failure, RuntimeState::stopped)) << "a clean exit is not a failure";
  EXPECT_FALSE(restart_wanted(RestartPolicy::on_failure, RuntimeState::unhealthy));
  EXPECT_TRUE(restart_wanted(RestartPolicy::on_unhealthy, RuntimeState::unhealthy));
  EXPECT_TRUE(restart_wanted(RestartPolicy::on_unhealthy, RuntimeState::failed));
  EXPECT_TRUE(restart_wanted(RestartPolicy::always, RuntimeState::stopped));
  EXPECT_TRUE(restart_wanted(RestartPolicy::always, RuntimeState::dead));
  EXPECT_FALSE(restart_wanted(RestartPolicy::always, RuntimeState::running));
}

TEST(RestartPolicy, CoolOffDoublesFromTenSecondsUpToFiveMinutes) {
  const RestartSettings settings;
  std::vector<long> seen;
  for (unsigned n = 0; n < 8; ++n) seen.push_back(cool_off(n, settings).count());
  EXPECT_EQ(seen, (std::vector<long>{10, 20, 40, 80, 160, 300, 300, 300}));
}

TEST(RestartPolicy, RestartsAfterTheCoolOffAndNeverGivesUpByDefault) {
  const RestartSettings settings;
  RestartRecord record{3, 1000};
  const auto early = decide_restart(RestartPolicy::always, RuntimeState::failed, record, 2000, 2050, settings);
  EXPECT_EQ(early.action, Action::restart_later);
  EXPECT_EQ(early.at_unix, 2080) << "exit + 80 s after 3 restarts";
  EXPECT_EQ(decide_restart(RestartPolicy::always, RuntimeState::failed, record, 2000, 2080, settings).action,
            Action::restart_now);
  record.count = 1000;
  EXPECT_EQ(decide_restart(RestartPolicy::always, RuntimeState::failed, record, 2000, 2400, settings).action,
            Action::restart_now)
      << "a thousand restarts later, still restarted";
}

TEST(RestartPolicy, AConfiguredMaximumGivesUp) {
  RestartSettings settings;
  settings.max_restarts = 20;
  EXPECT_EQ(decide_restart(RestartPolicy::always, RuntimeState::failed, {20, 1}, 2, 10000, settings).action, Action::give_up);
  EXPECT_EQ(decide_restart(RestartPolicy::always, RuntimeState::failed, {19, 1}, 2, 10000, settings).action,
            Action::restart_now);
}

TEST(RestartPolicy, AClockThatWentBackDoesNotPostponeForEver) {
  const RestartSettings settings;
  EXPECT_EQ(decide_restart(RestartPolicy::always, RuntimeState::failed, {2, 0}, 5000, 100, settings).action,
            Action::restart_now);
}

TEST(RestartPolicy, ASteadyRunForgivesPastRestarts) {
  const RestartSettings settings;
  EXPECT_TRUE(record_expires({5, 100}, RuntimeState::running, 1000, 1600, settings));
  EXPECT_FALSE(record_expires({5, 100}, RuntimeState::running, 1000, 1599, settings));
  EXPECT_FALSE(record_expires({5, 100}, RuntimeState::failed, 1000, 5000, settings));
}

}  // namespace
}  // namespace outpost::agent

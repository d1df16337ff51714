#include <gtest/gtest.h>

#include "outpost/core/clock.h"
#include "outpost/core/log.h"

namespace outpost {
namespace {

TEST(LogLevel, AcceptsIotEdgeNames) {
  EXPECT_EQ(parse_log_level("trace"), spdlog::level::trace);
  EXPECT_EQ(parse_log_level("debug"), spdlog::level::debug);
  EXPECT_EQ(parse_log_level("info"), spdlog::level::info);
  EXPECT_EQ(parse_log_level("Information"), spdlog::level::info);
  EXPECT_EQ(parse_log_level("warning"), spdlog::level::warn);
  EXPECT_EQ(parse_log_level("error"), spdlog::level::err);
  EXPECT_EQ(parse_log_level("FATAL"), spdlog::level::critical);
  EXPECT_EQ(parse_log_level("loud"), std::nullopt);
}

TEST(ManualClock, MovesOnlyWhenTold) {
  ManualClock clock;
  const auto t0 = clock.now();
  EXPECT_EQ(clock.now(), t0);
  clock.advance(std::chrono::seconds(90));
  EXPECT_EQ(clock.unix_seconds(), 1'700'000'090);
  EXPECT_EQ(format_iso8601(clock.now()), "2023-11-14T22:14:50.000Z");
  clock.advance(std::chrono::milliseconds(7));
  EXPECT_EQ(format_iso8601(clock.now()), "2023-11-14T22:14:50.007Z");
}

}  // namespace
}  // namespace outpost

#include "time_text.h"

#include <chrono>

#include "outpost/core/clock.h"

namespace outpost::cloud {

std::string format_iso8601_ms(std::int64_t unix_ms) {
  return format_iso8601(Clock::time_point{std::chrono::milliseconds{unix_ms}});
}

}  // namespace outpost::cloud

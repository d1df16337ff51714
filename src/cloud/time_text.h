// Timestamps as IoT Hub writes them, from unix milliseconds ("2024-01-02T03:04:05.678Z").
// Parsing them back (?from=, iothub-expiry) is outpost::parse_iso8601_ms in core/clock.h.
#pragma once
#include <cstdint>
#include <string>

#include "outpost/core/clock.h"

namespace outpost::cloud {

std::string format_iso8601_ms(std::int64_t unix_ms);

}  // namespace outpost::cloud

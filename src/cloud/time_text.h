// ISO 8601 UTC timestamps as IoT Hub writes them ("2024-01-02T03:04:05.678Z"), parsed
// back to unix milliseconds for ?from= and iothub-expiry.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace outpost::cloud {

// Accepts YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM) for years 1970..2200; nullopt otherwise.
std::optional<std::int64_t> parse_iso8601_ms(std::string_view text);
std::string format_iso8601_ms(std::int64_t unix_ms);

}  // namespace outpost::cloud

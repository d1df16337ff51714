// Logging on spdlog, with IoT Edge's level names (RuntimeLogLevel):
// trace, debug, info, warning, error, fatal (also verbose, information, warn, critical).
#pragma once
#include <optional>
#include <string_view>

#include <spdlog/spdlog.h>

namespace outpost {

std::optional<spdlog::level::level_enum> parse_log_level(std::string_view name);

// Sets up the default logger for a binary: stderr, "<time> [<name>] <level> <msg>".
// The level comes from `level_name`, else RuntimeLogLevel, else info.
void init_logging(std::string_view process_name, std::optional<std::string_view> level_name = {});

}  // namespace outpost

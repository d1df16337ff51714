#include "outpost/core/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include "outpost/core/config.h"
#include "outpost/core/encoding.h"

namespace outpost {

std::optional<spdlog::level::level_enum> parse_log_level(std::string_view name) {
  const auto n = to_lower(name);
  if (n == "trace" || n == "verbose") return spdlog::level::trace;
  if (n == "debug") return spdlog::level::debug;
  if (n == "info" || n == "information") return spdlog::level::info;
  if (n == "warning" || n == "warn") return spdlog::level::warn;
  if (n == "error") return spdlog::level::err;
  if (n == "fatal" || n == "critical") return spdlog::level::critical;
  return std::nullopt;
}

void init_logging(std::string_view process_name, std::optional<std::string_view> level_name) {
  auto logger = spdlog::stderr_color_mt(std::string(process_name));
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ [%n] %^%l%$ %v", spdlog::pattern_time_type::utc);
  std::optional<std::string> from_env;
  if (!level_name) {
    from_env = env_var("RuntimeLogLevel");
    if (from_env) level_name = *from_env;
  }
  auto level = spdlog::level::info;
  bool unknown = false;
  if (level_name) {
    if (const auto parsed = parse_log_level(*level_name)) level = *parsed;
    else unknown = true;
  }
  logger->set_level(level);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  if (unknown)
    spdlog::warn("unknown log level '{}' (expected trace, debug, info, warning, error, fatal); using info",
                 *level_name);
}

}  // namespace outpost

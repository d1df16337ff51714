// The sensor's settings: from its environment at start, then from its twin's desired
// properties. Unusable values are logged and ignored (the module keeps its current ones).
#pragma once
#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace sensor {

struct Settings {
  long long message_count = 500;
  std::chrono::seconds send_interval{5};
  bool send_data = true;
};

// Seconds ("5") or a .NET TimeSpan ("00:00:05"), as IoT Edge's sample takes it; at least 1 s.
std::optional<std::chrono::seconds> parse_interval(const std::string& text);
Settings settings_from_environment();
// SendInterval / SendData from a desired document or patch; true when something changed.
bool apply_desired(Settings& settings, const nlohmann::json& desired);

}  // namespace sensor

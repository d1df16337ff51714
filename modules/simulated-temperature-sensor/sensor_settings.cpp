#include "sensor_settings.h"

#include <cstdlib>
#include <iostream>

namespace sensor {

std::optional<std::chrono::seconds> parse_interval(const std::string& text) {
  long long total = 0;
  int fields = 0;
  std::size_t at = 0;
  while (at <= text.size()) {
    const auto colon = text.find(':', at);
    const auto part = text.substr(at, colon == std::string::npos ? std::string::npos : colon - at);
    if (part.empty() || part.size() > 9 || part.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    total = total * 60 + std::stoll(part);
    ++fields;
    if (colon == std::string::npos) break;
    at = colon + 1;
  }
  if (fields != 1 && fields != 3) return std::nullopt;
  if (total < 1) return std::nullopt;
  return std::chrono::seconds(total);
}

Settings settings_from_environment() {
  Settings s;
  if (const char* count = std::getenv("MessageCount")) {
    char* end = nullptr;
    const auto value = std::strtoll(count, &end, 10);
    if (end && *end == '\0' && end != count) s.message_count = value;
    else std::cerr << "sensor: MessageCount '" << count << "' is not a number; sending " << s.message_count << std::endl;
  }
  if (const char* interval = std::getenv("SendInterval")) {
    if (auto parsed = parse_interval(interval)) s.send_interval = *parsed;
    else std::cerr << "sensor: SendInterval '" << interval << "' is not seconds or hh:mm:ss; using 5 s" << std::endl;
  }
  if (const char* send = std::getenv("SendData")) s.send_data = std::string(send) != "false" && std::string(send) != "False";
  return s;
}

bool apply_desired(Settings& settings, const nlohmann::json& desired) {
  if (!desired.is_object()) return false;
  bool changed = false;
  if (const auto it = desired.find("SendInterval"); it != desired.end()) {
    std::optional<std::chrono::seconds> interval;
    if (it->is_number_integer() && it->get<long long>() >= 1) interval = std::chrono::seconds(it->get<long long>());
    else if (it->is_string()) interval = parse_interval(it->get<std::string>());
    if (!interval) std::cerr << "sensor: desired SendInterval " << it->dump() << " ignored" << std::endl;
    else if (*interval != settings.send_interval) settings.send_interval = *interval, changed = true;
  }
  if (const auto it = desired.find("SendData"); it != desired.end() && it->is_boolean() && it->get<bool>() != settings.send_data) {
    settings.send_data = it->get<bool>();
    changed = true;
  }
  return changed;
}

}  // namespace sensor

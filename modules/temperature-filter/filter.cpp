#include "filter.h"

namespace filter {

bool Filter::apply_desired(const nlohmann::json& desired) {
  if (!desired.is_object()) return false;
  const auto it = desired.find("TemperatureThreshold");
  if (it == desired.end() || !it->is_number()) return false;
  const double value = it->get<double>();
  return threshold_.exchange(value) != value;
}

std::optional<outpost::client::Message> Filter::alert_for(const outpost::client::Message& reading) {
  const auto body = nlohmann::json::parse(reading.body, nullptr, false);
  const nlohmann::json* temperature = nullptr;
  if (body.is_object() && body.contains("machine") && body["machine"].is_object() && body["machine"].contains("temperature"))
    temperature = &body["machine"]["temperature"];
  if (!temperature || !temperature->is_number() || temperature->get<double>() <= threshold_) {
    ++dropped_;
    return std::nullopt;
  }
  outpost::client::Message alert(reading.body);
  alert.contentType = reading.contentType;
  alert.contentEncoding = reading.contentEncoding;
  alert.properties = reading.properties;
  alert.setProperty("MessageType", "Alert");
  ++forwarded_;
  return alert;
}

}  // namespace filter

// What the filter decides, apart from the connection: the threshold (from desired
// properties), and for each reading whether it becomes an alert. Thread-safe.
#pragma once
#include <atomic>
#include <optional>

#include <nlohmann/json.hpp>
#include <outpost/client/message.h>

namespace filter {

class Filter {
 public:
  // TemperatureThreshold (a number) from a desired document or patch; true when it changed.
  bool apply_desired(const nlohmann::json& desired);
  double threshold() const { return threshold_; }
  // The alert to forward (the reading, its properties, MessageType: Alert), or nullopt: below
  // the threshold, or not a reading at all (counted as dropped too).
  std::optional<outpost::client::Message> alert_for(const outpost::client::Message& reading);
  long long forwarded() const { return forwarded_; }
  long long dropped() const { return dropped_; }

 private:
  std::atomic<double> threshold_{25.0};
  std::atomic<long long> forwarded_{0}, dropped_{0};
};

}  // namespace filter

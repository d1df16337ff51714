#include "simulation.h"

#include <chrono>
#include <cmath>
#include <ctime>

namespace sensor {
namespace {

std::string utc_now() {
  const auto now = std::chrono::system_clock::now();
  const auto seconds = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return text;
}

double rounded(double value) { return std::round(value * 100) / 100; }

}  // namespace

Simulation::Simulation(std::uint32_t seed) : random_(seed) {}

nlohmann::json Simulation::next_reading() {
  std::lock_guard lock(mutex_);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  if (machine_temperature_ > kMachineMax) machine_temperature_ += unit(random_) - 0.5;
  else machine_temperature_ += -0.25 + unit(random_) * 1.5;
  const double pressure =
      kPressureMin + (machine_temperature_ - kMachineMin) / (kMachineMax - kMachineMin) * (kPressureMax - kPressureMin);
  std::uniform_int_distribution<int> humidity(24, 26);
  return {{"machine", {{"temperature", rounded(machine_temperature_)}, {"pressure", rounded(pressure)}}},
          {"ambient", {{"temperature", rounded(kAmbient + unit(random_) - 0.5)}, {"humidity", humidity(random_)}}},
          {"timeCreated", utc_now()}};
}

void Simulation::reset() {
  std::lock_guard lock(mutex_);
  machine_temperature_ = kMachineMin;
}

}  // namespace sensor

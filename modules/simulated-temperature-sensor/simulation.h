// The simulated machine, as IoT Edge's sample models it: it starts at 21 °C and heats by up to
// 1.25 °C a reading (sometimes cooling a little) until 100 °C, then wanders around there;
// its pressure follows its temperature (1 to 10); the ambient air stays about 21 °C at 24–26 %
// humidity. Thread-safe: reset() may come from a method while readings are taken.
#pragma once
#include <cstdint>
#include <mutex>
#include <random>

#include <nlohmann/json.hpp>

namespace sensor {

class Simulation {
 public:
  explicit Simulation(std::uint32_t seed);
  nlohmann::json next_reading();  // {"machine":{…},"ambient":{…},"timeCreated":"…"}
  void reset();                   // back to the coldest machine temperature

  static constexpr double kMachineMin = 21, kMachineMax = 100, kPressureMin = 1, kPressureMax = 10, kAmbient = 21;

 private:
  std::mutex mutex_;
  std::mt19937 random_;
  double machine_temperature_ = kMachineMin;
};

}  // namespace sensor

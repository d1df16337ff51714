// Fuzz target: IoT Edge 1.5's config.toml as outpostd reads it (TOML parse, key mapping, then
// the config.yaml reader). Any input ends in a config or ConfigError problems naming the file.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "aziot_config.h"
#include "daemon_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  try {
    auto converted = outpost::daemon::convert_aziot_toml(input, "fuzz.toml");
    converted.root.attempt([&] { (void)outpost::daemon::read_daemon_config(converted.root); });
    converted.root.problems().throw_if_any();
  } catch (const outpost::ConfigError& e) {
    for (const auto& problem : e.problems())
      if (problem.find("fuzz.toml") != 0) std::abort();
  }
  return 0;
}

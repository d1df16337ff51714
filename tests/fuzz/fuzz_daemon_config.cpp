// Fuzz target: outpostd's config.yaml reader. Any input ends in a config or in ConfigError
// problems that each name the file — never a crash, a hang or another exception type.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "daemon_config.h"
#include "outpost/core/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  try {
    const auto root = outpost::parse_yaml(input, "fuzz.yaml");
    (void)outpost::daemon::read_daemon_config(root);
    root.problems().throw_if_any();
  } catch (const outpost::ConfigError& e) {
    for (const auto& problem : e.problems())
      if (problem.find("fuzz.yaml") != 0) std::abort();
  }
  return 0;
}

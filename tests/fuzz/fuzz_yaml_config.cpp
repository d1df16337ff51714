// Fuzz target: YAML configuration loading and the typed accessors every config file goes
// through. Bad input must end in ConfigError problems (each with a location), never a crash
// or another exception type.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "outpost/core/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const auto check = [](const outpost::ConfigError& e) {
    for (const auto& problem : e.problems())
      if (problem.find("fuzz.yaml") != 0) std::abort();  // every problem names the file
  };
  try {
    const auto root = outpost::parse_yaml(input, "fuzz.yaml");
    root.expect_only({"hostname", "device_id", "listen", "storage", "identities", "desired", "log_level"});
    root.attempt([&] { (void)root.optional_string("hostname"); });
    root.attempt([&] { (void)root.integer_or("device_id", 0); });
    root.attempt([&] { (void)root.child("listen").string_or("mqtt", ""); });
    root.attempt([&] {
      for (const auto& item : root.child("identities").items()) (void)item.as_string();
    });
    (void)root.child("storage").bool_or("fsync", false);
    root.problems().throw_if_any();
  } catch (const outpost::ConfigError& e) {
    check(e);
  }
  return 0;
}

// Fuzz target: YAML configuration loading and the typed accessors every config file goes
// through. Bad input must end in ConfigError (with a location), never a crash or another
// exception type.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "outpost/core/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  try {
    const auto root = outpost::parse_yaml(input, "fuzz.yaml");
    root.expect_only({"hostname", "device_id", "listen", "storage", "identities", "desired", "log_level"});
    (void)root.optional_string("hostname");
    (void)root.integer_or("device_id", 0);
    const auto listen = root.child("listen");
    (void)listen.string_or("mqtt", "");
    for (const auto& item : root.child("identities").items()) (void)item.as_string();
    (void)root.child("storage").bool_or("fsync", false);
  } catch (const outpost::ConfigError& e) {
    if (std::string(e.what()).find("fuzz.yaml") != 0) std::abort();  // every error names the file
  }
  return 0;
}

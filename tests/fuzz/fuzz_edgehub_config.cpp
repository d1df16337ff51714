// Fuzz target: the $edgeHub desired-properties parser, from JSON text. Any input gives a
// config or an error value; a config's route table has one compiled route per spec.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "outpost/routing/edgehub_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = outpost::routing::parse_edgehub_desired(text);
  if (!config) {
    if (config.error().empty()) std::abort();
    return 0;
  }
  if (config->route_table.size() != config->routes.size()) std::abort();
  return 0;
}

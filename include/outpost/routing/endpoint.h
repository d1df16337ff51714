// Where a route delivers: the sink after INTO. edgeHub knows two kinds: `$upstream` (the
// cloud) and `BrokeredEndpoint("/modules/{m}/inputs/{i}")` (a module's input).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "outpost/core/result.h"

namespace outpost::routing {

struct Endpoint {
  enum class Kind : std::uint8_t { upstream, module_input };

  Kind kind = Kind::upstream;
  std::string module;  // module_input only
  std::string input;   // module_input only

  static Endpoint upstream() { return Endpoint{}; }
  static Endpoint module_input(std::string module, std::string input) {
    return Endpoint{Kind::module_input, std::move(module), std::move(input)};
  }

  // edgeHub's endpoint id: "iothub" for $upstream, "{edge}/{module}/{input}" otherwise.
  // Queue names derive from it ("iothub_Pri0", see hub-protocol.md §3).
  std::string id(std::string_view edge_device_id) const;
  // The sink as a route would spell it: `$upstream` or `BrokeredEndpoint("/modules/m/inputs/i")`.
  std::string to_string() const;

  bool operator==(const Endpoint&) const = default;
};

// Parses the address inside BrokeredEndpoint("..."), as edgeHub's EndpointFactory does: trim,
// drop one leading and one trailing '/', then exactly four '/'-separated segments; the 2nd
// is the module and the 4th the input (so "/a/b/c/d" is module b, input d). The error says
// what is wrong with the address (the caller adds route name and position).
Result<Endpoint> parse_brokered_endpoint_address(std::string_view address);

}  // namespace outpost::routing

#include "outpost/routing/endpoint.h"

#include <fmt/format.h>
#include <vector>

#include "text.h"

namespace outpost::routing {

std::string Endpoint::id(std::string_view edge_device_id) const {
  if (kind == Kind::upstream) return "iothub";
  return fmt::format("{}/{}/{}", edge_device_id, module, input);
}

std::string Endpoint::to_string() const {
  if (kind == Kind::upstream) return "$upstream";
  return fmt::format("BrokeredEndpoint(\"/modules/{}/inputs/{}\")", module, input);
}

Result<Endpoint> parse_brokered_endpoint_address(std::string_view address) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; };
  std::string_view a = address;
  while (!a.empty() && is_space(a.front())) a.remove_prefix(1);
  while (!a.empty() && is_space(a.back())) a.remove_suffix(1);
  const auto invalid = [&](std::string_view why) {
    return make_error(fmt::format("BrokeredEndpoint address '{}' {}: expected /modules/{{module}}/inputs/{{input}}",
                                  detail::shorten(address), why));
  };
  if (a.empty()) return invalid("is empty");
  if (a.front() == '/') a.remove_prefix(1);
  if (!a.empty() && a.back() == '/') a.remove_suffix(1);
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (true) {
    const auto slash = a.find('/', start);
    segments.push_back(a.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (segments.size() != 4) return invalid(fmt::format("has {} segments instead of 4", segments.size()));
  // edgeHub takes the 2nd and 4th segment whatever the 1st and 3rd say.
  if (segments[1].empty()) return invalid("has an empty module name");
  if (segments[3].empty()) return invalid("has an empty input name");
  return Endpoint::module_input(std::string(segments[1]), std::string(segments[3]));
}

}  // namespace outpost::routing

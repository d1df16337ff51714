#include "outpost/routing/route_table.h"

#include <algorithm>

#include "evaluation_context.h"

namespace outpost::routing {

Result<RouteTable> RouteTable::compile(const std::vector<RouteSpec>& specs) {
  RouteTable table;
  table.entries_.reserve(specs.size());
  for (const auto& spec : specs) {
    auto route = compile_route(spec.name, spec.text);
    if (!route) return Error{route.error()};
    const auto& endpoint = route->endpoint();
    auto found = std::find(table.endpoints_.begin(), table.endpoints_.end(), endpoint);
    if (found == table.endpoints_.end()) found = table.endpoints_.insert(table.endpoints_.end(), endpoint);
    const auto endpoint_index = static_cast<std::uint32_t>(found - table.endpoints_.begin());
    table.entries_.push_back(Entry{spec, std::move(route).value(), endpoint_index});
    table.takes_topics_ = table.takes_topics_ || table.entries_.back().route.source().takes_topics();
  }
  // Highest priority (lowest number) first, so the first match per endpoint is the one that
  // counts and later routes to an endpoint already matched need not be evaluated.
  std::stable_sort(table.entries_.begin(), table.entries_.end(),
                   [](const Entry& a, const Entry& b) { return a.spec.priority < b.spec.priority; });
  return table;
}

void RouteTable::match(const Message& message, std::vector<RouteMatch>& out) const {
  out.clear();
  if (entries_.empty()) return;
  const MessageSource source(message);
  detail::EvaluationContext context(message);  // parses the body at most once, on demand
  for (const auto& entry : entries_) {
    const bool already_matched = std::any_of(out.begin(), out.end(), [&](const RouteMatch& m) {
      return m.endpoint_index == entry.endpoint_index;
    });
    if (already_matched || !entry.route.source().matches(source)) continue;
    if (entry.route.evaluate(context) != Truth::true_) continue;
    out.push_back(RouteMatch{&endpoints_[entry.endpoint_index], entry.endpoint_index, entry.spec.priority,
                             entry.spec.ttl_secs, &entry.route});
  }
}

std::vector<RouteMatch> RouteTable::match(const Message& message) const {
  std::vector<RouteMatch> out;
  match(message, out);
  return out;
}

}  // namespace outpost::routing

// The hub's routing step: a set of named routes compiled once, asked for every message
// "which endpoints, at which priority and TTL?".
//
//   auto table = RouteTable::compile({{"r1", "FROM /messages/* INTO $upstream"},
//                                     {"r2", "FROM /messages/modules/A/* INTO $upstream", 0, 86400}});
//   std::vector<RouteMatch> matches;             // reused across messages: no allocation
//   table->match(message, matches);              // -> one match: $upstream, priority 0, ttl 86400
//
// Several routes to one endpoint give one match, at the lowest priority number (0 is the
// highest priority), with that route's TTL; among equal priorities the earlier route wins.
// A condition that is undefined does not match. No match at all means the hub drops the
// message (reason no_route).
//
// Threading: a RouteTable is immutable; match() may run on many threads at once. To change
// routes, compile a new table and swap it in (e.g. a shared_ptr<const RouteTable>).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "outpost/core/message.h"
#include "outpost/core/result.h"
#include "outpost/routing/endpoint.h"
#include "outpost/routing/route.h"

namespace outpost::routing {

// edgeHub's default: below every explicit priority (0-9, 0 highest).
inline constexpr std::uint32_t kDefaultRoutePriority = 2'000'000'000;

// One route as the $edgeHub twin gives it.
struct RouteSpec {
  std::string name;
  std::string text;
  std::uint32_t priority = kDefaultRoutePriority;
  std::uint32_t ttl_secs = 0;  // 0: use storeAndForwardConfiguration.timeToLiveSecs
  bool operator==(const RouteSpec&) const = default;
};

struct RouteMatch {
  const Endpoint* endpoint = nullptr;  // owned by the table
  std::uint32_t endpoint_index = 0;    // index into RouteTable::endpoints()
  std::uint32_t priority = kDefaultRoutePriority;
  std::uint32_t ttl_secs = 0;
  const CompiledRoute* route = nullptr;  // the route that won (lowest priority number)
};

class RouteTable {
 public:
  RouteTable() = default;  // no routes: nothing matches

  // Compiles every route; the first error (naming the route) fails the whole table.
  static Result<RouteTable> compile(const std::vector<RouteSpec>& specs);

  // Clears `out` and fills it with one match per endpoint, in ascending priority.
  void match(const Message& message, std::vector<RouteMatch>& out) const;
  std::vector<RouteMatch> match(const Message& message) const;

  // Distinct endpoints, in order of first appearance; RouteMatch::endpoint_index indexes it.
  const std::vector<Endpoint>& endpoints() const { return endpoints_; }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // Whether any route takes plain MQTT topics (FROM /topics/...): the hub asks before building
  // a message for each plain publish.
  bool takes_topics() const { return takes_topics_; }
  // Routes in evaluation order: by priority, then as given.
  const CompiledRoute& route(std::size_t i) const { return entries_[i].route; }
  const RouteSpec& spec(std::size_t i) const { return entries_[i].spec; }

 private:
  struct Entry {
    RouteSpec spec;
    CompiledRoute route;
    std::uint32_t endpoint_index;
  };
  std::vector<Entry> entries_;  // sorted by priority (stable): the first match per endpoint wins
  std::vector<Endpoint> endpoints_;
  bool takes_topics_ = false;
};

}  // namespace outpost::routing

// MQTT topic names and filters (3.1.1 §4.7).
#pragma once
#include <string_view>
#include <vector>

#include "outpost/core/result.h"

namespace outpost::mqtt {

// Non-empty, well-formed UTF-8 without U+0000, no wildcards.
Status validate_topic_name(std::string_view topic);
// Non-empty, well-formed UTF-8 without U+0000, '#' only as the whole last level,
// '+' only as a whole level.
Status validate_topic_filter(std::string_view filter);
// Whether `topic` matches `filter` (assumed valid). Topics starting with '$' are not
// matched by filters that start with a wildcard.
bool topic_matches(std::string_view filter, std::string_view topic);
// Whether every topic `inner` matches is also matched by `outer` (both assumed valid):
// "a/#" covers "a/+/b"; "a/+" does not cover "a/#". For authorizing a subscription.
bool filter_covers(std::string_view outer, std::string_view inner);
// Whether some topic is matched by both filters (assumed valid): "a/+" and "+/b" overlap.
bool filters_overlap(std::string_view a, std::string_view b);

// MQTT 5 shared subscriptions (§4.8.2): "$share/{group}/{filter}" — the group's members share
// the filter's messages, each message going to one of them.
struct SharedFilter {
  std::string_view group;
  std::string_view filter;
};
inline bool is_shared_filter(std::string_view filter) { return filter.starts_with("$share/"); }
// The group and filter of a shared subscription, or what is wrong with it (a group name that
// is empty or holds '+' or '#', no filter, an invalid filter).
Result<SharedFilter> parse_shared_filter(std::string_view shared);
// The levels of a topic name or filter, split at '/': "a//b/" is {"a", "", "b", ""}.
std::vector<std::string_view> topic_levels(std::string_view topic_or_filter);

bool is_valid_utf8(std::string_view text);

}  // namespace outpost::mqtt

// Plain MQTT subscriptions by topic filter, one trie level per topic level, so matching a
// topic costs its depth times the wildcards on the way, not the number of subscriptions.
//
//   add("a/+/c", 7, 1); add("a/#", 8, 0); add("#", 9, 0);
//   match("a/b/c")  -> (7,1) (8,0) (9,0)
//   match("$SYS/x") -> nothing: '$' topics are not matched by a leading wildcard (§4.7.2)
//
// Filters are assumed valid (mqtt::validate_topic_filter). Empty nodes are pruned on remove,
// so memory follows the subscriptions held. Not thread-safe: the hub's loop owns it.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace outpost::hub {

class SubscriptionTrie {
 public:
  using SubscriberId = std::uint64_t;
  using Found = std::function<void(SubscriberId, std::uint8_t qos)>;

  // Adds a subscription, or updates its QoS if the subscriber already has this filter.
  // Returns whether it is new.
  bool add(std::string_view filter, SubscriberId subscriber, std::uint8_t qos);
  // Returns whether there was such a subscription.
  bool remove(std::string_view filter, SubscriberId subscriber);
  // Every subscription whose filter matches `topic`; a subscriber with several matching
  // filters is found once per filter.
  void match(std::string_view topic, const Found& found) const;
  std::size_t size() const { return size_; }

 private:
  struct Node {
    std::map<std::string, std::unique_ptr<Node>, std::less<>> children;
    std::map<SubscriberId, std::uint8_t> subscribers;
    bool empty() const { return children.empty() && subscribers.empty(); }
  };
  static void walk(const Node& node, std::string_view topic, std::size_t level_start, bool first_level,
                   const Found& found);

  Node root_;
  std::size_t size_ = 0;
};

}  // namespace outpost::hub

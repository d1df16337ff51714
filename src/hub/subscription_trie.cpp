#include "subscription_trie.h"

#include <vector>

#include "outpost/mqtt_codec/topic.h"

namespace outpost::hub {
namespace {

void report(const std::map<SubscriptionTrie::SubscriberId, std::uint8_t>& subscribers, const SubscriptionTrie::Found& found) {
  for (const auto& [id, qos] : subscribers) found(id, qos);
}

}  // namespace

bool SubscriptionTrie::add(std::string_view filter, SubscriberId subscriber, std::uint8_t qos) {
  Node* node = &root_;
  for (const auto level : mqtt::topic_levels(filter)) {
    auto it = node->children.find(level);
    if (it == node->children.end()) it = node->children.emplace(std::string(level), std::make_unique<Node>()).first;
    node = it->second.get();
  }
  const auto [it, inserted] = node->subscribers.insert_or_assign(subscriber, qos);
  if (inserted) ++size_;
  return inserted;
}

bool SubscriptionTrie::remove(std::string_view filter, SubscriberId subscriber) {
  std::vector<std::pair<Node*, std::string_view>> path;  // parent, level taken from it
  Node* node = &root_;
  for (const auto level : mqtt::topic_levels(filter)) {
    const auto it = node->children.find(level);
    if (it == node->children.end()) return false;
    path.emplace_back(node, level);
    node = it->second.get();
  }
  if (node->subscribers.erase(subscriber) == 0) return false;
  --size_;
  // Prune the nodes nothing hangs from any more, deepest first.
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    auto child = it->first->children.find(it->second);
    if (!child->second->empty()) break;
    it->first->children.erase(child);
  }
  return true;
}

void SubscriptionTrie::match(std::string_view topic, const Found& found) const {
  walk(root_, topic, 0, true, found);
}

void SubscriptionTrie::walk(const Node& node, std::string_view topic, std::size_t level_start, bool first_level,
                            const Found& found) {
  if (level_start > topic.size()) {  // past the last level: this node's filters end where the topic does
    report(node.subscribers, found);
    // "a/#" matches "a" too (§4.7.1.2).
    if (const auto hash = node.children.find("#"); hash != node.children.end()) report(hash->second->subscribers, found);
    return;
  }
  const auto slash = topic.find('/', level_start);
  const auto level_end = slash == std::string_view::npos ? topic.size() : slash;
  const auto level = topic.substr(level_start, level_end - level_start);
  const auto next = level_end + 1;  // > topic.size() once the last level is taken
  // Topics starting with '$' are not matched by a filter starting with a wildcard (§4.7.2).
  const bool wildcards = !(first_level && level.starts_with('$'));
  if (wildcards) {
    if (const auto hash = node.children.find("#"); hash != node.children.end()) report(hash->second->subscribers, found);
    if (const auto plus = node.children.find("+"); plus != node.children.end()) walk(*plus->second, topic, next, false, found);
  }
  if (const auto exact = node.children.find(level); exact != node.children.end())
    walk(*exact->second, topic, next, false, found);
}

}  // namespace outpost::hub

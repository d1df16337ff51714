// Fuzz target: what plain MQTT (issue 14) reads from clients and from hub.yaml. The first byte
// picks the part:
//   0: topic filters and a topic name, one per line: the SubscriptionTrie must find exactly
//      what mqtt::topic_matches says, and removing every filter must leave it empty;
//      RetainedMessages must stay within its caps;
//   1: a password hash line (check_password_hash: an error, never a crash);
//   2: an `mqtt_broker:` YAML section (problems are ConfigErrors naming the file);
//   3: a persistent session as state.db stores it (its filters' options survive packing), and a
//      store queue name (its slot). Shared subscriptions ($share/…) are parsed in part 0.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "mqtt_broker_config.h"
#include "password_hash.h"
#include "plain_properties.h"
#include "plain_session_table.h"
#include "retained_messages.h"
#include "subscription_trie.h"
#include "outpost/core/config.h"
#include "outpost/mqtt_codec/topic.h"

namespace {

using namespace outpost;

void fuzz_topics(const std::string& input) {
  std::vector<std::string> lines;
  for (std::size_t start = 0; start <= input.size();) {
    const auto nl = input.find('\n', start);
    lines.push_back(input.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  if (lines.size() > 64) lines.resize(64);
  const std::string topic = lines.back();
  lines.pop_back();
  hub::SubscriptionTrie trie;
  std::vector<std::string> filters;
  for (const auto& f : lines) {
    if (mqtt::validate_topic_filter(f)) filters.push_back(f);
    // A shared subscription that parses has a group without '/', '+', '#' and a valid filter.
    if (const auto shared = mqtt::parse_shared_filter(f)) {
      if (shared->group.empty() || shared->group.find_first_of("/+#") != std::string_view::npos ||
          !mqtt::validate_topic_filter(shared->filter) || !mqtt::is_shared_filter(f))
        std::abort();
    }
  }
  for (std::size_t i = 0; i < filters.size(); ++i) trie.add(filters[i], i, static_cast<std::uint8_t>(i % 2));
  if (mqtt::validate_topic_name(topic)) {
    std::set<std::uint64_t> expected, got;
    for (std::size_t i = 0; i < filters.size(); ++i)
      if (mqtt::topic_matches(filters[i], topic)) expected.insert(i);
    trie.match(topic, [&](std::uint64_t id, std::uint8_t) { got.insert(id); });
    if (got != expected) std::abort();
    hub::RetainedMessages retained(4, 64);
    for (const auto& f : filters) (void)retained.set(f, topic, 1);
    (void)retained.set(topic, "", 0);
    if (retained.size() > 4 || retained.bytes() > 64) std::abort();
    retained.for_each_matching(filters.empty() ? "#" : filters.front(),
                               [](const std::string&, const std::string&, std::uint8_t, const auto&) {});
  }
  for (std::size_t i = 0; i < filters.size(); ++i) trie.remove(filters[i], i);
  if (trie.size() != 0) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      fuzz_topics(input);
      break;
    case 1:
      (void)hub::check_password_hash(input);
      break;
    case 3: {
      if (const auto s = hub::parse_stored_plain_session("fuzz", input))
        for (const auto& [filter, options] : s->filters)
          if (options.qos > 2 || hub::PlainFilter::unpack(options.packed()) != options) std::abort();
      {
        // A stored plain message's MQTT 5 properties, whatever its property values hold.
        Message m;
        const auto half = input.size() / 2;
        for (const char* name : {"mqtt-payload-format", "mqtt-expires-at", "mqtt-user-properties", "contentType"})
          m.system.append(name, input.substr(0, half));
        m.application.append("k", input.substr(half));
        const auto p = hub::from_message(m);
        if (p.user.size() > m.application.size()) std::abort();
        (void)hub::delivery_properties(p, 0);
      }
      if (const auto slot = hub::plain_session_slot_of_queue(input))
        if (hub::plain_session_queue_name(*slot) != input) std::abort();  // only names the hub writes
      break;
    }
    default:
      try {
        const auto root = parse_yaml(input, "fuzz.yaml");
        (void)hub::read_mqtt_broker_config(root);
        root.problems().throw_if_any();
      } catch (const ConfigError& e) {
        for (const auto& problem : e.problems())
          if (problem.find("fuzz.yaml") != 0) std::abort();
      }
  }
  return 0;
}

// Fuzz target: authorization policies (src/mqtt_policy) and the filter algebra they decide
// subscriptions with. The first byte picks the part:
//   0: topic filters and a topic, one per line: mqtt::filter_covers and filters_overlap must
//      agree with mqtt::topic_matches — if F covers G, every topic G matches F matches too
//      (checked on the topic and on topics made from G), and two filters matching one topic
//      overlap;
//   1: a policy as JSON, then decisions for clients whose ids come from the input: errors,
//      never a crash; a subscription allowed is never also denied for a topic it delivers.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "outpost/mqtt_codec/topic.h"
#include "outpost/mqtt_policy/authorization_policy.h"

namespace {

using namespace outpost;

std::vector<std::string> lines_of(const std::string& input, std::size_t max) {
  std::vector<std::string> lines;
  for (std::size_t start = 0; start <= input.size() && lines.size() < max;) {
    const auto nl = input.find('\n', start);
    lines.push_back(input.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return lines;
}

// Topics `filter` matches: its wildcards filled in a few ways.
std::vector<std::string> topics_of(const std::string& filter) {
  std::vector<std::string> out;
  for (const char* plus : {"x", "$y", ""}) {
    for (const char* hash : {"", "/z", "/z/w"}) {
      std::string topic;
      for (std::size_t i = 0; i < filter.size(); ++i) {
        if (filter[i] == '+') topic += plus;
        else if (filter[i] != '#') topic += filter[i];
        else if (*hash != '\0') topic += hash + 1;  // "a/#" -> "a/z", "a/z/w"
        else if (!topic.empty()) topic.pop_back();   // "a/#" -> "a"
        else topic = "z";                            // "#" -> "z"
      }
      if (mqtt::validate_topic_name(topic) && mqtt::topic_matches(filter, topic)) out.push_back(topic);
    }
  }
  return out;
}

void fuzz_filters(const std::string& input) {
  auto lines = lines_of(input, 16);
  const std::string topic = lines.back();
  lines.pop_back();
  std::vector<std::string> filters;
  for (const auto& f : lines)
    if (mqtt::validate_topic_filter(f)) filters.push_back(f);
  const bool topic_valid = static_cast<bool>(mqtt::validate_topic_name(topic));
  for (const auto& f : filters) {
    for (const auto& g : filters) {
      const bool covers = mqtt::filter_covers(f, g);
      const bool overlap = mqtt::filters_overlap(f, g);
      if (overlap != mqtt::filters_overlap(g, f)) std::abort();  // symmetric
      if (topic_valid && mqtt::topic_matches(f, topic) && mqtt::topic_matches(g, topic) && !overlap) std::abort();
      if (!covers) continue;
      if (topic_valid && mqtt::topic_matches(g, topic) && !mqtt::topic_matches(f, topic)) std::abort();
      for (const auto& t : topics_of(g))
        if (!mqtt::topic_matches(f, t)) std::abort();
    }
    if (!mqtt::filter_covers(f, f) || !mqtt::filters_overlap(f, f)) std::abort();
  }
}

void fuzz_policy(const std::string& input) {
  const auto nl = input.find('\n');
  const auto json = nlohmann::json::parse(input.substr(0, nl), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return;
  const auto policy = mqtt_policy::AuthorizationPolicy::parse(json, "authorizations");
  if (!policy) {
    if (policy.error().rfind("authorizations", 0) != 0) std::abort();  // names where
    return;
  }
  auto lines = lines_of(nl == std::string::npos ? "" : input.substr(nl + 1), 8);
  const std::string id = lines.front();
  const std::vector<mqtt_policy::Requester> clients{
      {"h/" + id, id, "", id}, {"h/d/" + id, "d", id, "d/" + id}, {id, "", "", id},
      {std::string(mqtt_policy::kAnonymousIdentity), "", "", id}};
  for (const auto& who : clients) {
    const auto grants = policy->for_client(who, id);
    (void)grants.connect();
    for (const auto& line : lines) {
      if (mqtt::validate_topic_name(line)) (void)grants.publish(line);
      if (!mqtt::validate_topic_filter(line)) continue;
      if (grants.subscribe(line).effect != mqtt_policy::Effect::allowed) continue;
      // Everything an allowed subscription delivers must be a topic no deny covers.
      for (const auto& t : topics_of(line))
        if (grants.subscribe(t).effect == mqtt_policy::Effect::denied) std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) fuzz_filters(input);
  else fuzz_policy(input);
  return 0;
}

#include "outpost/iothub/topics.h"

#include <charconv>
#include <vector>

#include <fmt/format.h>

#include "outpost/core/encoding.h"

namespace outpost::iothub {
namespace {

std::vector<std::string_view> split_levels(std::string_view topic, std::size_t max_levels) {
  // Splits into at most max_levels; the last level keeps the rest (bags may hold '/').
  std::vector<std::string_view> levels;
  std::size_t start = 0;
  while (levels.size() + 1 < max_levels) {
    const auto slash = topic.find('/', start);
    if (slash == std::string_view::npos) break;
    levels.push_back(topic.substr(start, slash - start));
    start = slash + 1;
  }
  levels.push_back(topic.substr(start));
  return levels;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

template <typename Int>
std::optional<Int> whole_number(std::string_view text) {
  Int value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<std::string> query_parameter(std::string_view topic, std::string_view name) {
  const auto q = topic.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view query = topic.substr(q + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto item = query.substr(0, amp);
    const auto eq = item.find('=');
    if (item.substr(0, eq) == name) {
      if (eq == std::string_view::npos) return std::string();
      auto decoded = url_decode(item.substr(eq + 1));
      return decoded ? *decoded : std::string(item.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query = query.substr(amp + 1);
  }
  return std::nullopt;
}

Result<PublishTopic> parse_publish_topic(std::string_view topic) {
  if (starts_with(topic, "devices/")) {
    // devices/{d}/messages/events[/bag]  |  devices/{d}/modules/{m}/messages/events[/bag]
    const auto levels = split_levels(topic, 7);
    if (levels.size() >= 4 && levels[2] == "messages" && levels[3] == "events" && !levels[1].empty()) {
      TelemetryTopic t{Identity{std::string(levels[1]), std::nullopt}, {}};
      if (levels.size() > 4) {
        const auto bag_start = topic.find("/messages/events/") + std::string_view("/messages/events/").size();
        t.bag = topic.substr(bag_start);
      }
      return PublishTopic{t};
    }
    if (levels.size() >= 6 && levels[2] == "modules" && levels[4] == "messages" &&
        levels[5] == "events" && !levels[1].empty() && !levels[3].empty()) {
      TelemetryTopic t{Identity{std::string(levels[1]), std::string(levels[3])}, {}};
      if (levels.size() > 6) t.bag = levels[6];
      return PublishTopic{t};
    }
    return PublishTopic{UnknownTopic{}};
  }
  if (starts_with(topic, "$iothub/twin/GET/")) {
    auto rid = query_parameter(topic, "$rid");
    if (!rid) return make_error("twin GET without $rid");
    return PublishTopic{TwinGetTopic{std::move(*rid)}};
  }
  if (starts_with(topic, "$iothub/twin/PATCH/properties/reported/")) {
    auto rid = query_parameter(topic, "$rid");
    if (!rid) return make_error("reported-properties PATCH without $rid");
    return PublishTopic{TwinReportedPatchTopic{std::move(*rid)}};
  }
  if (starts_with(topic, "$iothub/methods/res/")) {
    const auto rest = topic.substr(std::string_view("$iothub/methods/res/").size());
    const auto end = rest.find_first_of("/?");
    const auto status_text = rest.substr(0, end);
    int status = 0;
    const auto [ptr, ec] = std::from_chars(status_text.data(), status_text.data() + status_text.size(), status);
    if (ec != std::errc{} || ptr != status_text.data() + status_text.size() || status_text.empty())
      return make_error(fmt::format("method response status '{}' is not an integer", status_text));
    auto rid = query_parameter(topic, "$rid");
    if (!rid) return make_error("method response without $rid");
    return PublishTopic{MethodResponseTopic{status, std::move(*rid)}};
  }
  return PublishTopic{UnknownTopic{}};
}

SubscriptionFilter parse_subscription_filter(std::string_view filter) {
  if (filter == "$iothub/twin/res/#") return {SubscriptionKind::twin_responses, std::nullopt};
  if (filter == "$iothub/twin/PATCH/properties/desired/#") return {SubscriptionKind::twin_desired, std::nullopt};
  if (filter == "$iothub/methods/POST/#") return {SubscriptionKind::methods, std::nullopt};
  if (!starts_with(filter, "devices/")) return {};
  const auto levels = split_levels(filter, 8);
  // devices/{d}/messages/devicebound/#
  if (levels.size() == 5 && levels[2] == "messages" && levels[3] == "devicebound" && levels[4] == "#" &&
      !levels[1].empty())
    return {SubscriptionKind::c2d, Identity{std::string(levels[1]), std::nullopt}};
  // devices/{d}/modules/{m}/#  (edgeHub)  or  devices/{d}/modules/{m}/inputs/#  (Node SDK)
  if (levels.size() >= 5 && levels[2] == "modules" && !levels[1].empty() && !levels[3].empty()) {
    const bool all = levels.size() == 5 && levels[4] == "#";
    const bool inputs = levels.size() == 6 && levels[4] == "inputs" && levels[5] == "#";
    if (all || inputs)
      return {SubscriptionKind::module_inputs, Identity{std::string(levels[1]), std::string(levels[3])}};
  }
  return {};
}

ServerTopic parse_server_topic(std::string_view topic) {
  if (starts_with(topic, "$iothub/twin/res/")) {
    const auto rest = topic.substr(std::string_view("$iothub/twin/res/").size());
    const auto status = whole_number<int>(rest.substr(0, rest.find_first_of("/?")));
    auto rid = query_parameter(topic, "$rid");
    if (!status || !rid) return UnknownTopic{};
    TwinResponseTopic response{*status, std::move(*rid), std::nullopt};
    if (const auto version = query_parameter(topic, "$version")) {
      response.version = whole_number<std::int64_t>(*version);
      if (!response.version) return UnknownTopic{};
    }
    return response;
  }
  if (starts_with(topic, "$iothub/twin/PATCH/properties/desired/")) {
    TwinDesiredTopic patch;
    if (const auto version = query_parameter(topic, "$version")) patch.version = whole_number<std::int64_t>(*version);
    return patch;
  }
  if (starts_with(topic, "$iothub/methods/POST/")) {
    const auto rest = topic.substr(std::string_view("$iothub/methods/POST/").size());
    const auto method = rest.substr(0, rest.find_first_of("/?"));
    auto rid = query_parameter(topic, "$rid");
    if (method.empty() || !rid) return UnknownTopic{};
    return MethodRequestTopic{std::string(method), std::move(*rid)};
  }
  if (!starts_with(topic, "devices/")) return UnknownTopic{};
  const auto levels = split_levels(topic, 7);
  // devices/{d}/messages/devicebound/{bag}
  if (levels.size() >= 4 && levels[2] == "messages" && levels[3] == "devicebound") {
    const auto prefix = 8 + levels[1].size() + 21;  // "devices/" + d + "/messages/devicebound"
    return C2dTopic{prefix < topic.size() ? topic.substr(prefix + 1) : std::string_view{}};
  }
  // devices/{d}/modules/{m}/inputs/{input}/{bag}
  if (levels.size() >= 6 && levels[2] == "modules" && levels[4] == "inputs" && !levels[5].empty())
    return InputTopic{std::string(levels[5]), levels.size() == 7 ? levels[6] : std::string_view{}};
  return UnknownTopic{};
}

std::string input_topic(const Identity& receiver, std::string_view input, std::string_view bag) {
  return input_topic_prefix(receiver, input).append(bag);
}

std::string input_topic_prefix(const Identity& receiver, std::string_view input) {
  // The Node SDK drops input messages without a '/' after the input name: always add it.
  return fmt::format("devices/{}/modules/{}/inputs/{}/", receiver.device_id, receiver.module_id.value_or(""), input);
}

std::string c2d_topic(std::string_view device_id, std::string_view bag) {
  return fmt::format("devices/{}/messages/devicebound/{}", device_id, bag);
}

std::string twin_response_topic(int status, std::string_view rid, std::optional<std::int64_t> version) {
  if (version) return fmt::format("$iothub/twin/res/{}/?$rid={}&$version={}", status, rid, *version);
  return fmt::format("$iothub/twin/res/{}/?$rid={}", status, rid);
}

std::string twin_desired_topic(std::int64_t version) {
  return fmt::format("$iothub/twin/PATCH/properties/desired/?$version={}", version);
}

std::string method_request_topic(std::string_view method_name, std::string_view rid) {
  return fmt::format("$iothub/methods/POST/{}/?$rid={}", method_name, rid);
}

}  // namespace outpost::iothub

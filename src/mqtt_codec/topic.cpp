#include "outpost/mqtt_codec/topic.h"

namespace outpost::mqtt {

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  while (i < text.size()) {
    const unsigned char c = s[i];
    if (c == 0) return false;  // MQTT forbids U+0000
    std::size_t extra;
    std::uint32_t cp;
    if (c < 0x80) { ++i; continue; }
    if ((c & 0xe0) == 0xc0) { extra = 1; cp = c & 0x1f; }
    else if ((c & 0xf0) == 0xe0) { extra = 2; cp = c & 0x0f; }
    else if ((c & 0xf8) == 0xf0) { extra = 3; cp = c & 0x07; }
    else return false;
    if (i + extra >= text.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= extra; ++k) {
      if ((s[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not well-formed.
    if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
      return false;
    i += extra + 1;
  }
  return true;
}

Status validate_topic_name(std::string_view topic) {
  if (topic.empty()) return make_error("empty topic name");
  if (topic.find_first_of("#+") != std::string_view::npos)
    return make_error("topic name contains a wildcard");
  if (!is_valid_utf8(topic)) return make_error("topic name is not valid UTF-8");
  return {};
}

Status validate_topic_filter(std::string_view filter) {
  if (filter.empty()) return make_error("empty topic filter");
  if (!is_valid_utf8(filter)) return make_error("topic filter is not valid UTF-8");
  for (std::size_t i = 0; i < filter.size(); ++i) {
    const bool level_start = i == 0 || filter[i - 1] == '/';
    const bool level_end = i + 1 == filter.size() || filter[i + 1] == '/';
    if (filter[i] == '#' && (!level_start || i + 1 != filter.size()))
      return make_error("'#' must be the whole last level of a topic filter");
    if (filter[i] == '+' && (!level_start || !level_end))
      return make_error("'+' must be a whole level of a topic filter");
  }
  return {};
}

bool topic_matches(std::string_view filter, std::string_view topic) {
  if (!topic.empty() && topic.front() == '$' && !filter.empty() &&
      (filter.front() == '#' || filter.front() == '+'))
    return false;
  std::size_t f = 0, t = 0;
  while (f < filter.size()) {
    if (filter[f] == '#') return true;
    const auto f_end = filter.find('/', f);
    const auto f_level = filter.substr(f, f_end == std::string_view::npos ? std::string_view::npos : f_end - f);
    if (t > topic.size()) return false;
    const auto t_end = topic.find('/', t);
    const auto t_level = topic.substr(t, t_end == std::string_view::npos ? std::string_view::npos : t_end - t);
    if (f_level != "+" && f_level != t_level) return false;
    if (f_end == std::string_view::npos) return t_end == std::string_view::npos;
    if (t_end == std::string_view::npos) {
      // "a/#" matches "a": the filter's remainder must be exactly "#".
      return filter.substr(f_end + 1) == "#";
    }
    f = f_end + 1;
    t = t_end + 1;
  }
  // The filter ended in an empty level ("a/"): it matches only a topic whose last level is
  // empty too, here ("a/", not "a//" nor "a/b").
  return t == topic.size();
}

std::vector<std::string_view> topic_levels(std::string_view topic_or_filter) {
  std::vector<std::string_view> levels;
  for (std::size_t start = 0;;) {
    const auto slash = topic_or_filter.find('/', start);
    if (slash == std::string_view::npos) {
      levels.push_back(topic_or_filter.substr(start));
      return levels;
    }
    levels.push_back(topic_or_filter.substr(start, slash - start));
    start = slash + 1;
  }
}

namespace {

bool is_wildcard(std::string_view level) { return level == "+" || level == "#"; }
bool is_dollar(std::string_view level) { return !level.empty() && level.front() == '$'; }

}  // namespace

bool filter_covers(std::string_view outer, std::string_view inner) {
  const auto o = topic_levels(outer);
  const auto i = topic_levels(inner);
  // A leading wildcard does not match '$' topics, so it cannot cover a filter for them.
  if (is_wildcard(o.front()) && is_dollar(i.front())) return false;
  for (std::size_t k = 0;; ++k) {
    if (k == o.size()) return k == i.size();
    if (o[k] == "#") return true;
    if (k == i.size()) return false;
    if (i[k] == "#") return false;
    if (o[k] == "+") continue;
    if (i[k] == "+" || o[k] != i[k]) return false;
  }
}

bool filters_overlap(std::string_view a, std::string_view b) {
  const auto x = topic_levels(a);
  const auto y = topic_levels(b);
  if ((is_wildcard(x.front()) && is_dollar(y.front())) || (is_wildcard(y.front()) && is_dollar(x.front())))
    return false;
  for (std::size_t k = 0;; ++k) {
    const bool x_end = k == x.size();
    const bool y_end = k == y.size();
    if (x_end || y_end) return (x_end && y_end) || (x_end ? y[k] == "#" : x[k] == "#");  // "a/#" matches "a"
    if (x[k] == "#" || y[k] == "#") return true;
    if (x[k] == "+" || y[k] == "+") continue;
    if (x[k] != y[k]) return false;
  }
}

Result<SharedFilter> parse_shared_filter(std::string_view shared) {
  constexpr std::string_view kPrefix = "$share/";
  if (!shared.starts_with(kPrefix)) return make_error("not a shared subscription ($share/{group}/{filter})");
  const auto rest = shared.substr(kPrefix.size());
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) return make_error("a shared subscription needs $share/{group}/{filter}");
  SharedFilter out{rest.substr(0, slash), rest.substr(slash + 1)};
  if (out.group.empty()) return make_error("a shared subscription's group name is empty");
  if (out.group.find_first_of("+#") != std::string_view::npos)
    return make_error("a shared subscription's group name may not hold '+' or '#'");
  if (auto valid = validate_topic_filter(out.filter); !valid)
    return make_error("a shared subscription's filter: " + valid.error());
  return out;
}

}  // namespace outpost::mqtt

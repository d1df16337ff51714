#include "outpost/core/json.h"

#include <fmt/format.h>

#include <vector>

namespace outpost {

std::size_t json_nesting_depth(std::string_view text, std::size_t stop_after) {
  std::size_t depth = 0;
  std::size_t deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;  // skip the escaped character, whatever it is
      else if (c == '"') in_string = false;
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '[':
      case '{':
        if (++depth > deepest && (deepest = depth) > stop_after) return deepest;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default: break;
    }
  }
  return deepest;
}

Result<nlohmann::json> parse_json(std::string_view text, std::size_t max_depth) {
  if (json_nesting_depth(text, max_depth) > max_depth)
    return make_error(fmt::format("JSON nested deeper than {} levels", max_depth));
  auto value = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (value.is_discarded()) return make_error("not valid JSON");
  return value;
}

std::int64_t integer_field(const nlohmann::json& object, std::string_view key, std::int64_t fallback) {
  if (!object.is_object()) return fallback;
  const auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<std::int64_t>() : fallback;
}

std::string string_field(const nlohmann::json& object, std::string_view key, std::string_view fallback) {
  if (!object.is_object()) return std::string(fallback);
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string(fallback);
}

const nlohmann::json& object_field(const nlohmann::json& object, std::string_view key) {
  static const nlohmann::json empty = nlohmann::json::object();
  if (!object.is_object()) return empty;
  const auto it = object.find(key);
  return it != object.end() && it->is_object() ? *it : empty;
}

std::size_t json_value_depth(const nlohmann::json& value, std::size_t stop_after) {
  // Iterative so that measuring a too-deep value is itself safe.
  struct Frame { const nlohmann::json* node; std::size_t depth; };
  std::vector<Frame> pending{{&value, 0}};
  std::size_t deepest = 0;
  while (!pending.empty()) {
    const Frame frame = pending.back();
    pending.pop_back();
    if (!frame.node->is_structured()) continue;
    const std::size_t depth = frame.depth + 1;
    if (depth > deepest && (deepest = depth) > stop_after) return deepest;
    for (const auto& child : *frame.node) pending.push_back({&child, depth});
  }
  return deepest;
}

}  // namespace outpost

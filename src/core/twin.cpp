#include "outpost/core/twin.h"

#include <fmt/format.h>

namespace outpost {
namespace {

using nlohmann::json;

std::string join_path(std::string_view prefix, std::string_view key) {
  if (prefix.empty()) return std::string(key);
  return fmt::format("{}.{}", prefix, key);
}

Status check_key(const std::string& key, const std::string& path, const TwinLimits& limits) {
  if (key.empty()) return make_error(fmt::format("{}: empty key", path));
  if (key.size() > limits.max_key_length)
    return make_error(fmt::format("{}: key is longer than {} characters", path,
                                  limits.max_key_length));
  for (const char ch : key) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '.' || ch == '$' || ch == '#')
      return make_error(fmt::format("{}: key contains '{}'", path, ch));
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
      return make_error(fmt::format("{}: key contains whitespace", path));
    if (c < 0x20 || c == 0x7f)
      return make_error(fmt::format("{}: key contains a control character", path));
  }
  // C1 control characters are U+0080..U+009F, encoded in UTF-8 as C2 80..C2 9F.
  for (std::size_t i = 0; i + 1 < key.size(); ++i) {
    if (static_cast<unsigned char>(key[i]) == 0xC2 &&
        static_cast<unsigned char>(key[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(key[i + 1]) <= 0x9F)
      return make_error(fmt::format("{}: key contains a control character", path));
  }
  return {};
}

Status check_value(const json& value, const std::string& path, int depth,
                   const TwinLimits& limits) {
  if (value.is_object()) {
    if (depth > limits.max_depth)
      return make_error(
          fmt::format("{}: nesting deeper than {} levels", path, limits.max_depth));
    for (const auto& [key, child] : value.items()) {
      const std::string child_path = join_path(path, key);
      if (auto s = check_key(key, child_path, limits); !s) return s;
      if (auto s = check_value(child, child_path, depth + 1, limits); !s) return s;
    }
    return {};
  }
  if (value.is_array()) {
    if (depth > limits.max_depth)
      return make_error(
          fmt::format("{}: nesting deeper than {} levels", path, limits.max_depth));
    std::size_t index = 0;
    for (const auto& child : value) {
      const std::string child_path = fmt::format("{}[{}]", path, index++);
      if (child.is_null()) return make_error(fmt::format("{}: arrays may not contain null", child_path));
      if (auto s = check_value(child, child_path, depth + 1, limits); !s) return s;
    }
    return {};
  }
  if (value.is_string() && value.get_ref<const std::string&>().size() > limits.max_string_value_bytes)
    return make_error(fmt::format("{}: string value is longer than {} bytes", path,
                                  limits.max_string_value_bytes));
  if (value.is_number_integer()) {
    const bool too_big = value.is_number_unsigned()
                             ? value.get<std::uint64_t>() >= static_cast<std::uint64_t>(limits.max_abs_integer)
                             : (value.get<std::int64_t>() >= limits.max_abs_integer ||
                                value.get<std::int64_t>() < -limits.max_abs_integer);
    if (too_big)
      return make_error(fmt::format("{}: integer outside -2^52..2^52-1", path));
  }
  return {};
}

}  // namespace

Status validate_twin_properties(const json& properties, std::string_view section,
                                const TwinLimits& limits) {
  if (!properties.is_object())
    return make_error(fmt::format("{}: must be a JSON object", section));
  for (const auto& [key, child] : properties.items()) {
    const std::string path = join_path(section, key);
    if (auto s = check_key(key, path, limits); !s) return s;
    if (auto s = check_value(child, path, 2, limits); !s) return s;
  }
  const auto size = properties.dump().size();
  if (size > limits.max_document_bytes)
    return make_error(fmt::format("{}: document is {} bytes, more than the {} byte limit", section,
                                  size, limits.max_document_bytes));
  return {};
}

void merge_patch(json& target, const json& patch) {
  if (!patch.is_object()) {
    target = patch;
    return;
  }
  if (!target.is_object()) target = json::object();
  for (const auto& [key, value] : patch.items()) {
    if (value.is_null()) {
      target.erase(key);
    } else if (value.is_object()) {
      merge_patch(target[key], value);
    } else {
      target[key] = value;
    }
  }
}

nlohmann::json merge_diff(const nlohmann::json& from, const nlohmann::json& to) {
  nlohmann::json diff = nlohmann::json::object();
  if (!from.is_object() || !to.is_object()) return to;
  for (const auto& [key, old_value] : from.items()) {
    if (!to.contains(key)) {
      diff[key] = nullptr;
    } else if (to[key] != old_value) {
      diff[key] = old_value.is_object() && to[key].is_object() ? merge_diff(old_value, to[key]) : to[key];
    }
  }
  for (const auto& [key, new_value] : to.items())
    if (!from.contains(key)) diff[key] = new_value;
  return diff;
}

TwinProperties::TwinProperties() : desired_(json::object()), reported_(json::object()) {}

TwinProperties::TwinProperties(const json& doc) : TwinProperties() {
  const auto load = [](const json& twin, const char* name, json& section, std::int64_t& version) {
    if (!twin.is_object() || !twin.contains(name) || !twin[name].is_object()) return;
    section = twin[name];
    if (section.contains("$version") && section["$version"].is_number_integer())
      version = section["$version"].get<std::int64_t>();
    section.erase("$version");
    section.erase("$metadata");
  };
  load(doc, "desired", desired_, desired_version_);
  load(doc, "reported", reported_, reported_version_);
}

json TwinProperties::desired() const {
  json out = desired_;
  out["$version"] = desired_version_;
  return out;
}

json TwinProperties::reported() const {
  json out = reported_;
  out["$version"] = reported_version_;
  return out;
}

json TwinProperties::to_json() const { return json{{"desired", desired()}, {"reported", reported()}}; }

Status TwinProperties::apply(json& section, std::int64_t& version, const json& patch,
                             std::string_view name, bool replace, const TwinLimits& limits) {
  if (!patch.is_object()) return make_error(fmt::format("{}: patch must be a JSON object", name));
  json candidate = replace ? json::object() : section;
  json cleaned = patch;
  cleaned.erase("$version");
  // Nulls in a patch delete keys; they are legal in patches, so validate the merged result.
  merge_patch(candidate, cleaned);
  if (auto s = validate_twin_properties(candidate, name, limits); !s) return s;
  section = std::move(candidate);
  ++version;
  return {};
}

void TwinProperties::set_desired(const json& desired, std::int64_t version) {
  desired_ = desired.is_object() ? desired : json::object();
  desired_.erase("$version");
  desired_.erase("$metadata");
  desired_version_ = version;
}

void TwinProperties::set_reported(const json& reported, std::int64_t version) {
  reported_ = reported.is_object() ? reported : json::object();
  reported_.erase("$version");
  reported_.erase("$metadata");
  reported_version_ = version;
}

Status TwinProperties::apply_reported_patch(const json& patch, const TwinLimits& limits) {
  return apply(reported_, reported_version_, patch, "reported", false, limits);
}

Status TwinProperties::apply_desired_patch(const json& patch, const TwinLimits& limits) {
  return apply(desired_, desired_version_, patch, "desired", false, limits);
}

Status TwinProperties::replace_desired(const json& desired, const TwinLimits& limits) {
  return apply(desired_, desired_version_, desired, "desired", true, limits);
}

}  // namespace outpost

// What the manifest parser's files share (manifest.cpp: the whole manifest, module_spec.cpp:
// one module, create_options.cpp): how values are quoted in messages, the list of problems a
// 400 reports, and reading one module.
#pragma once
#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "outpost/agent/manifest.h"

namespace outpost::agent::manifest_detail {

// `text` cut to about `max` bytes (at a character boundary, "…" added), control characters
// escaped as JSON escapes them (quotes and backslashes left alone), invalid UTF-8 replaced: a
// description always dumps as JSON (nlohmann's strict dump throws on invalid UTF-8) and stays
// on one line.
inline std::string printable(std::string_view text, std::size_t max = 60) {
  std::string cut(text.substr(0, std::min(max, text.size())));
  const bool truncated = cut.size() < text.size();
  if (truncated) {  // drop a character the cut went through
    while (!cut.empty() && (static_cast<unsigned char>(cut.back()) & 0xC0) == 0x80) cut.pop_back();
    if (!cut.empty() && (static_cast<unsigned char>(cut.back()) & 0x80) != 0) cut.pop_back();
  }
  const std::string dumped = nlohmann::json(cut).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;  // without the surrounding quotes, escaped quotes and backslashes unescaped
  for (std::size_t i = 1; i + 1 < dumped.size(); ++i) {
    if (dumped[i] == '\\' && (dumped[i + 1] == '"' || dumped[i + 1] == '\\')) ++i;
    out += dumped[i];
  }
  if (truncated) out += "…";
  return out;
}

// A value as messages show it: 'text', 42, true, null, an object, an array.
inline std::string describe(const nlohmann::json& value) {
  if (value.is_string()) return "'" + printable(value.get_ref<const std::string&>()) + "'";
  if (value.is_object()) return "an object";
  if (value.is_array()) return "an array";
  if (value.is_discarded()) return "nothing";
  return value.dump();  // numbers, booleans, null
}

// object[key], with absent and null the same (a twin cannot hold null; a patch's null removes).
inline const nlohmann::json* field(const nlohmann::json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

// Every problem found, each "path: what is wrong"; a 400's description lists the first few.
class Problems {
 public:
  void add(std::string_view path, std::string_view what) { add_line(fmt::format("{}: {}", path, what)); }
  void add_line(std::string line) {
    if (lines_.size() < kMaxListed) lines_.push_back(std::move(line));
    ++count_;
  }
  bool empty() const { return count_ == 0; }
  void append(const Problems& other) {
    for (const auto& line : other.lines_) add_line(line);
    count_ += other.count_ - other.lines_.size();
  }
  std::string describe() const {
    std::string out;
    for (const auto& line : lines_) out += (out.empty() ? "" : "; ") + line;
    if (count_ > lines_.size()) out += fmt::format("; and {} more", count_ - lines_.size());
    return out;
  }

 private:
  static constexpr std::size_t kMaxListed = 10;
  std::vector<std::string> lines_;
  std::size_t count_ = 0;
};

enum class ModuleRole { agent, hub, module };

// systemModules.edgeAgent, systemModules.edgeHub or modules.<name>: whatever can be read, with
// IoT Edge's defaults; each problem added at `path`.
ModuleDesired read_module(const nlohmann::json& spec, const std::string& name, const std::string& path, ModuleRole role,
                          Problems& problems);

// settings.image as IoT Edge's agent takes it: trimmed, checked, ":latest" when untagged.
Result<std::string> normalize_image(std::string_view image);

}  // namespace outpost::agent::manifest_detail

#include "outpost/core/config.h"

#include "outpost/core/json.h"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include <fmt/format.h>

namespace outpost {
namespace {

std::string read_file_or_throw(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError(fmt::format("{}: cannot open: {}", file, std::strerror(errno)));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string join_path(const std::string& prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : fmt::format("{}.{}", prefix, key);
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += (out.empty() ? "" : "\n") + line;
  return out;
}

// yaml-cpp keeps both entries of a repeated key and reads the first; an operator who wrote
// the key twice meant one of them, so say so instead of guessing.
void report_duplicate_keys(const YAML::Node& node, const std::string& file, ConfigProblems& problems) {
  if (node.IsMap()) {
    std::map<std::string, YAML::Mark> seen;
    for (const auto& item : node) {
      const auto key = item.first.Scalar();
      const auto [it, inserted] = seen.emplace(key, item.first.Mark());
      if (!inserted)
        problems.add(fmt::format("{}:{}:{}: key '{}' appears twice (first on line {})", file,
                                 item.first.Mark().line + 1, item.first.Mark().column + 1, key,
                                 it->second.line + 1));
      report_duplicate_keys(item.second, file, problems);
    }
  } else if (node.IsSequence()) {
    for (const auto& item : node) report_duplicate_keys(item, file, problems);
  }
}

}  // namespace

ConfigError::ConfigError(const std::string& problem) : ConfigError(std::vector<std::string>{problem}) {}

ConfigError::ConfigError(std::vector<std::string> problems)
    : std::runtime_error(join_lines(problems)), problems_(std::move(problems)) {}

void ConfigProblems::add(std::string problem) {
  for (const auto& known : problems_)
    if (known == problem) return;
  problems_.push_back(std::move(problem));
}

void ConfigProblems::add(const ConfigError& error) {
  for (const auto& problem : error.problems()) add(problem);
}

void ConfigProblems::attempt(const std::function<void()>& step) {
  try {
    step();
  } catch (const ConfigError& e) {
    add(e);
  }
}

void ConfigProblems::throw_if_any() const {
  if (!problems_.empty()) throw ConfigError(problems_);
}

ConfigNode::ConfigNode(YAML::Node node, std::string file, std::string path, std::shared_ptr<ConfigProblems> problems)
    : node_(std::move(node)), file_(std::move(file)), path_(std::move(path)), problems_(std::move(problems)) {}

std::string ConfigNode::location() const {
  const auto mark = node_.Mark();
  std::string where = file_;
  if (!mark.is_null()) where += fmt::format(":{}:{}", mark.line + 1, mark.column + 1);
  return path_.empty() ? where : fmt::format("{}: {}", where, path_);
}

void ConfigNode::fail(std::string_view message) const {
  throw ConfigError(fmt::format("{}: {}", location(), message));
}

void ConfigNode::report(std::string_view message) const {
  problems_->add(fmt::format("{}: {}", location(), message));
}

bool ConfigNode::has(std::string_view key) const {
  if (!node_.IsMap()) return false;
  const auto child = node_[std::string(key)];
  return child.IsDefined() && !child.IsNull();
}

ConfigNode ConfigNode::child(std::string_view key) const {
  if (node_.IsDefined() && !node_.IsNull() && !node_.IsMap()) fail("expected a mapping");
  // A missing key yields yaml-cpp's "zombie" node, which throws on most calls: swap in null.
  YAML::Node child;
  if (node_.IsMap()) {
    const YAML::Node found = node_[std::string(key)];
    if (found.IsDefined()) child = found;
  }
  return ConfigNode(child, file_, join_path(path_, key), problems_);
}

std::vector<ConfigNode> ConfigNode::items() const {
  std::vector<ConfigNode> out;
  if (!defined()) return out;
  if (!node_.IsSequence()) fail("expected a list");
  for (std::size_t i = 0; i < node_.size(); ++i)
    out.emplace_back(node_[i], file_, fmt::format("{}[{}]", path_, i), problems_);
  return out;
}

std::vector<std::string> ConfigNode::keys() const {
  std::vector<std::string> out;
  if (!defined()) return out;
  if (!node_.IsMap()) fail("expected a mapping");
  for (const auto& item : node_) {
    if (!item.first.IsScalar()) fail("expected plain keys, got a mapping or list as a key");
    out.push_back(item.first.Scalar());
  }
  return out;
}

namespace {

constexpr int kMaxConfigJsonDepth = 64;

nlohmann::json scalar_to_json(const YAML::Node& node) {
  const auto& text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted: a string whatever it reads as
  if (text == "true" || text == "false") return text == "true";
  if (text == "null" || text == "~") return nullptr;
  if (!text.empty() && (std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '-' || text[0] == '+')) {
    char* end = nullptr;
    errno = 0;
    const long long integer = std::strtoll(text.c_str(), &end, 10);
    if (errno == 0 && end == text.c_str() + text.size()) return integer;
    const double number = std::strtod(text.c_str(), &end);
    if (end == text.c_str() + text.size()) return number;
  }
  return text;
}

}  // namespace

nlohmann::json ConfigNode::as_json() const {
  const std::function<nlohmann::json(const YAML::Node&, int)> convert = [&](const YAML::Node& node, int depth) {
    if (depth > kMaxConfigJsonDepth) fail(fmt::format("nested deeper than {} levels", kMaxConfigJsonDepth));
    if (!node.IsDefined() || node.IsNull()) return nlohmann::json(nullptr);
    if (node.IsScalar()) return scalar_to_json(node);
    if (node.IsSequence()) {
      auto out = nlohmann::json::array();
      for (const auto& item : node) out.push_back(convert(item, depth + 1));
      return out;
    }
    auto out = nlohmann::json::object();
    for (const auto& item : node) {
      if (!item.first.IsScalar()) fail("expected plain keys, got a mapping or list as a key");
      out[item.first.Scalar()] = convert(item.second, depth + 1);
    }
    return out;
  };
  return convert(node_, 0);
}

std::string ConfigNode::as_string() const {
  if (!defined()) fail("is required");
  if (!node_.IsScalar()) fail("expected a value, got a mapping or list");
  return node_.Scalar();
}

std::int64_t ConfigNode::as_integer() const {
  const auto text = as_string();
  try {
    std::size_t used = 0;
    const auto value = std::stoll(text, &used, 0);
    if (used != text.size()) throw std::invalid_argument(text);
    return value;
  } catch (const std::exception&) {
    fail(fmt::format("expected an integer, got '{}'", text));
  }
}

bool ConfigNode::as_bool() const {
  const auto text = as_string();
  if (text == "true" || text == "True" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "False" || text == "no" || text == "off") return false;
  fail(fmt::format("expected true or false, got '{}'", text));
}

std::string ConfigNode::string(std::string_view key) const {
  const auto c = child(key);
  if (!c.defined()) fail(fmt::format("missing required key '{}'", key));
  return c.as_string();
}

std::optional<std::string> ConfigNode::optional_string(std::string_view key) const {
  const auto c = child(key);
  if (!c.defined()) return std::nullopt;
  return c.as_string();
}

std::string ConfigNode::string_or(std::string_view key, std::string fallback) const {
  auto value = optional_string(key);
  return value ? std::move(*value) : std::move(fallback);
}

std::int64_t ConfigNode::integer(std::string_view key) const {
  const auto c = child(key);
  if (!c.defined()) fail(fmt::format("missing required key '{}'", key));
  return c.as_integer();
}

std::int64_t ConfigNode::integer_or(std::string_view key, std::int64_t fallback) const {
  const auto c = child(key);
  return c.defined() ? c.as_integer() : fallback;
}

bool ConfigNode::bool_or(std::string_view key, bool fallback) const {
  const auto c = child(key);
  return c.defined() ? c.as_bool() : fallback;
}

void ConfigNode::expect_only(std::initializer_list<std::string_view> allowed) const {
  expect_only(std::vector<std::string_view>(allowed));
}

void ConfigNode::expect_only(const std::vector<std::string_view>& allowed) const {
  if (!node_.IsMap()) return;
  for (const auto& item : node_) {
    const auto key = item.first.IsScalar() ? item.first.Scalar() : std::string("(a non-scalar key)");
    bool known = false;
    for (const auto a : allowed) known = known || a == key;
    if (!known) {
      std::string list;
      for (const auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      ConfigNode(item.first, file_, join_path(path_, key), problems_)
          .report(fmt::format("unknown key (expected one of: {})", list));
    }
  }
}

ConfigNode parse_yaml(std::string_view text, const std::string& file_name) {
  try {
    YAML::Node root = YAML::Load(std::string(text));
    if (root.IsDefined() && !root.IsNull() && !root.IsMap())
      throw ConfigError(fmt::format("{}: the top level must be a mapping of keys", file_name));
    auto problems = std::make_shared<ConfigProblems>();
    report_duplicate_keys(root, file_name, *problems);
    return ConfigNode(root, file_name, "", std::move(problems));
  } catch (const YAML::Exception& e) {
    throw ConfigError(fmt::format("{}:{}:{}: {}", file_name, e.mark.line + 1, e.mark.column + 1,
                                  e.msg));
  }
}

ConfigNode load_yaml_file(const std::string& file) { return parse_yaml(read_file_or_throw(file), file); }

nlohmann::json parse_json_text(std::string_view text, const std::string& file_name) {
  if (json_nesting_depth(text, kMaxJsonDepth) > kMaxJsonDepth)
    throw ConfigError(fmt::format("{}: JSON nested deeper than {} levels", file_name, kMaxJsonDepth));
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // nlohmann reports a byte offset; operators want a line and a column.
    const std::size_t offset = std::min<std::size_t>(e.byte, text.size());
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i + 1 < offset; ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    std::string what = e.what();
    if (const auto pos = what.find("] "); pos != std::string::npos) what = what.substr(pos + 2);
    throw ConfigError(fmt::format("{}:{}:{}: {}", file_name, line, column, what));
  }
}

nlohmann::json load_json_file(const std::string& file) {
  return parse_json_text(read_file_or_throw(file), file);
}

std::string resolve_config_path(const std::string& config_file, const std::string& path) {
  if (path.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(config_file).parent_path() / path).lexically_normal().string();
}

void write_ready_file(const std::string& file, const nlohmann::json& content) {
  if (file.empty()) return;
  const auto tmp = file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << content.dump() << "\n";
  }
  std::filesystem::rename(tmp, file);
}

void print_config_problems(std::string_view program, const ConfigError& error) {
  for (const auto& problem : error.problems()) fmt::print(stderr, "{}: {}\n", program, problem);
  if (error.problems().size() > 1) fmt::print(stderr, "{}: {} problems\n", program, error.problems().size());
}

std::optional<std::string> env_var(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

}  // namespace outpost

// Configuration files: YAML (yaml-cpp) and JSON (nlohmann). Every error names the file,
// the line and the key, e.g. "hub.yaml:4:9: listen.mqtt: expected host:port, got 'abc'".
#pragma once
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

namespace outpost {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A view of one YAML node that knows where it came from, so errors can say so.
class ConfigNode {
 public:
  ConfigNode(YAML::Node node, std::string file, std::string path);

  bool has(std::string_view key) const;
  ConfigNode child(std::string_view key) const;  // an undefined node if missing
  bool defined() const { return node_.IsDefined() && !node_.IsNull(); }
  bool is_map() const { return node_.IsMap(); }
  bool is_sequence() const { return node_.IsSequence(); }
  std::vector<ConfigNode> items() const;  // sequence elements

  std::string as_string() const;
  std::int64_t as_integer() const;
  bool as_bool() const;

  std::string string(std::string_view key) const;  // required
  std::optional<std::string> optional_string(std::string_view key) const;
  std::string string_or(std::string_view key, std::string fallback) const;
  std::int64_t integer(std::string_view key) const;
  std::int64_t integer_or(std::string_view key, std::int64_t fallback) const;
  bool bool_or(std::string_view key, bool fallback) const;

  // Rejects keys outside `allowed`: a typo in a config file is an error, not a silent default.
  void expect_only(std::initializer_list<std::string_view> allowed) const;

  [[noreturn]] void fail(std::string_view message) const;
  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }
  std::string location() const;  // "file:line:col: path"

 private:
  YAML::Node node_;
  std::string file_;
  std::string path_;
};

// Loads a YAML file; syntax errors name file, line and column.
ConfigNode load_yaml_file(const std::string& file);
ConfigNode parse_yaml(std::string_view text, const std::string& file_name);

// Loads a JSON file; syntax errors name file, line and column.
nlohmann::json load_json_file(const std::string& file);
nlohmann::json parse_json_text(std::string_view text, const std::string& file_name);

// `path` as written in `config_file`: absolute stays, relative is taken from the file's folder.
std::string resolve_config_path(const std::string& config_file, const std::string& path);

// Writes `content` to `file` atomically (temp file + rename): how daemons tell a supervisor
// or a test which ports they bound. Nothing happens when `file` is empty.
void write_ready_file(const std::string& file, const nlohmann::json& content);

// Reads an environment variable; nullopt when unset or empty.
std::optional<std::string> env_var(const char* name);

}  // namespace outpost

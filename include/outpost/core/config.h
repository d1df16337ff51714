// Configuration files: YAML (yaml-cpp) and JSON (nlohmann). Every error names the file,
// the line and the key, e.g. "hub.yaml:4:9: listen.mqtt: expected host:port, got 'abc'".
// Reading goes on after a problem, so one run lists every problem (`--check`): the nodes
// of a file share a ConfigProblems, and a loader reads each key inside `attempt`.
#pragma once
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

namespace outpost {

// One problem, or several found in one run; what() lists them one per line.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(const std::string& problem);
  explicit ConfigError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

// Every problem found while reading one configuration, in the order found.
class ConfigProblems {
 public:
  void add(std::string problem);  // a repeat of a recorded problem is dropped
  void add(const ConfigError& error);
  // Runs one step of reading; a ConfigError it throws is recorded and reading goes on.
  void attempt(const std::function<void()>& step);
  bool empty() const { return problems_.empty(); }
  const std::vector<std::string>& list() const { return problems_; }
  // Throws one ConfigError listing every problem, if there is any.
  void throw_if_any() const;

 private:
  std::vector<std::string> problems_;
};

// A view of one YAML node that knows where it came from, so errors can say so.
class ConfigNode {
 public:
  ConfigNode(YAML::Node node, std::string file, std::string path,
             std::shared_ptr<ConfigProblems> problems = std::make_shared<ConfigProblems>());

  bool has(std::string_view key) const;
  ConfigNode child(std::string_view key) const;  // an undefined node if missing
  bool defined() const { return node_.IsDefined() && !node_.IsNull(); }
  bool is_map() const { return node_.IsMap(); }
  bool is_sequence() const { return node_.IsSequence(); }
  std::vector<ConfigNode> items() const;  // sequence elements
  std::vector<std::string> keys() const;  // mapping keys, in the file's order

  // The node as JSON (a createOptions block written as YAML): plain scalars that read as
  // true/false, integers or numbers become those; quoted scalars stay strings. Deeper than
  // 64 levels is a problem at this node.
  nlohmann::json as_json() const;

  std::string as_string() const;
  std::int64_t as_integer() const;
  bool as_bool() const;

  std::string string(std::string_view key) const;  // required
  std::optional<std::string> optional_string(std::string_view key) const;
  std::string string_or(std::string_view key, std::string fallback) const;
  std::int64_t integer(std::string_view key) const;
  std::int64_t integer_or(std::string_view key, std::int64_t fallback) const;
  bool bool_or(std::string_view key, bool fallback) const;

  // Reports every key outside `allowed`: a typo in a config file is an error, not a silent default.
  void expect_only(std::initializer_list<std::string_view> allowed) const;
  void expect_only(const std::vector<std::string_view>& allowed) const;

  // A problem with this node that ends the current step (caught by `attempt`).
  [[noreturn]] void fail(std::string_view message) const;
  // A problem with this node that does not stop reading: the value is kept as written.
  void report(std::string_view message) const;
  // Runs one step of reading (typically one key); what it throws is recorded, reading goes on.
  void attempt(const std::function<void()>& step) const { problems_->attempt(step); }
  ConfigProblems& problems() const { return *problems_; }

  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }
  std::string location() const;  // "file:line:col: path"

 private:
  YAML::Node node_;
  std::string file_;
  std::string path_;
  std::shared_ptr<ConfigProblems> problems_;  // shared by every node of the file
};

// Loads a YAML file; syntax errors name file, line and column and throw at once (nothing
// else can be read). Repeated keys are recorded in the root's problems().
ConfigNode load_yaml_file(const std::string& file);
ConfigNode parse_yaml(std::string_view text, const std::string& file_name);

// Loads `file`, runs `read(root)` and throws one ConfigError listing every problem found —
// the way a loader gets "all problems in one run": `read` reads each key inside
// root.attempt() or with report(), and whatever it does not catch is recorded too.
template <typename Read>
auto read_yaml_config(const std::string& file, Read&& read) {
  const auto root = load_yaml_file(file);
  std::optional<std::invoke_result_t<Read&, const ConfigNode&>> out;
  root.attempt([&] { out.emplace(read(root)); });
  root.problems().throw_if_any();
  return std::move(*out);
}

// Loads a JSON file; syntax errors name file, line and column.
nlohmann::json load_json_file(const std::string& file);
nlohmann::json parse_json_text(std::string_view text, const std::string& file_name);

// `path` as written in `config_file`: absolute stays, relative is taken from the file's folder.
std::string resolve_config_path(const std::string& config_file, const std::string& path);

// Writes `content` to `file` atomically (temp file + rename): how daemons tell a supervisor
// or a test which ports they bound. Nothing happens when `file` is empty.
void write_ready_file(const std::string& file, const nlohmann::json& content);

// Prints every problem of `error` to stderr as "<program>: <problem>", then how many there
// were when more than one: what a daemon prints before it exits 1.
void print_config_problems(std::string_view program, const ConfigError& error);

// Reads an environment variable; nullopt when unset or empty.
std::optional<std::string> env_var(const char* name);

}  // namespace outpost

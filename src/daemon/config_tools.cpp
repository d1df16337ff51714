#include "outpost/daemon_config/config_tools.h"

#include <optional>
#include <set>

#include <fmt/format.h>

#include "aziot_config.h"
#include "daemon_config.h"
#include "outpost/core/config.h"

namespace outpost::daemon {
namespace {

// config.yaml's top-level keys in the order config/config.yaml and docs/DAEMON.md give them,
// each with the comment written above it.
struct Section {
  const char* key;
  const char* comment;
};
constexpr Section kSections[] = {
    {"provisioning", "Who this device is and how it proves it to the cloud."},
    {"hostname", "What modules and leaf devices dial; the hub's server certificate names it."},
    {"homedir", "Keys (keys/), the edge CA (ca/), module sockets (mnt/) and state."},
    {"connect", "What modules and the agent are told."},
    {"listen", "What outpostd binds (IoT Edge's fd:// values meant the connect paths: those are bound)."},
    {"agent", "The edge agent outpostd boots and watches."},
    {"runtime", "process or docker; left out: docker when moby_runtime.uri answers."},
    {"moby_runtime", "The Docker Engine API and the network modules join."},
    {"allow_elevated_docker_permissions", "Unless true, module containers get no Privileged and no CapAdd."},
    {"images", "Image names a deployment may use -> what this device runs."},
    {"certificates", "The edge CA (left out: one is generated) and CAs added to the modules' trust bundle."},
    {"watchdog", "Failed restarts of the agent in a row before outpostd gives up."},
    {"log_level", "trace, debug, info, warning, error or fatal."},
};

std::string emit(const std::string& key, const YAML::Node& value) {
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << key << YAML::Value << value << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::string header(const std::string& source, const std::string& what, const std::vector<std::string>& ignored) {
  std::string text = fmt::format(
      "# outpostd's configuration (docs/DAEMON.md explains every key), made by `outpost config import`\n"
      "# from {} ({}).\n"
      "# It may hold the device's key: keep it readable by root only (0600). Check it, and every file\n"
      "# it names, with: outpost config check -c <this file>\n",
      source, what);
  if (!ignored.empty()) {
    text += "#\n# Not carried over (they mean nothing to outpostd):";
    std::size_t width = 99;  // wrapped as the lines above
    for (std::size_t i = 0; i < ignored.size(); ++i) {
      const auto item = " " + ignored[i] + (i + 1 < ignored.size() ? "," : "");
      if (width + item.size() > 96) {
        text += "\n#  ";
        width = 3;
      }
      text += item;
      width += item.size();
    }
    text += "\n";
  }
  return text + "\n";
}

// `map` with the keys of `order` first, in that order (TOML tables come sorted by name; the
// agent block reads better as config.yaml writes it). Lookups on const nodes: they never add a key.
YAML::Node ordered(const YAML::Node& map, std::initializer_list<const char*> order) {
  if (!map.IsMap()) return map;
  YAML::Node out(YAML::NodeType::Map);
  std::set<std::string> done;
  for (const auto* key : order) {
    if (!map[key]) continue;
    out[key] = map[key];
    done.insert(key);
  }
  for (const auto& item : map)
    if (const auto key = item.first.as<std::string>(); !done.count(key)) out[key] = item.second;
  return out;
}

ImportedConfig import_toml(std::string_view text, const std::string& file_name) {
  auto converted = convert_aziot_toml(text, file_name);
  if (const YAML::Node& root = converted.yaml; root["agent"]) {
    auto agent = ordered(root["agent"], {"name", "type", "imagePullPolicy", "env", "config"});
    if (const YAML::Node& read = agent; read["config"]) agent["config"] = ordered(read["config"], {"image", "createOptions", "auth"});
    converted.yaml["agent"] = agent;
  }
  const YAML::Node& doc = converted.yaml;  // const: looking a key up never adds it
  std::string body;
  std::set<std::string> written;
  for (const auto& section : kSections) {
    const auto value = doc[section.key];
    if (!value.IsDefined()) continue;
    body += fmt::format("# {}\n{}\n", section.comment, emit(section.key, value));
    written.insert(section.key);
  }
  // The mapping makes no other key; should it one day, the key is still written.
  for (const auto& item : doc) {
    const auto key = item.first.as<std::string>();
    if (!written.count(key)) body += emit(key, item.second) + "\n";
  }
  if (!body.empty()) body.pop_back();  // no blank line at the end
  return {header(file_name, "IoT Edge 1.5's config.toml, mapped key by key", converted.ignored) + body,
          std::move(converted.ignored)};
}

// IoT Edge 1.1's file reads unchanged (docs/DAEMON.md): only its keys that do nothing here
// are named.
ImportedConfig import_yaml(std::string_view text, const std::string& file_name) {
  const auto root = parse_yaml(text, file_name);
  std::vector<std::string> ignored;
  for (const auto* key : {"dynamic_reprovisioning", "always_reprovision_on_startup"})
    if (root.child("provisioning").has(key)) ignored.push_back(std::string("provisioning.") + key);
  std::string body(text);
  if (!body.empty() && body.back() != '\n') body += '\n';
  return {header(file_name, "a config.yaml in IoT Edge 1.1's shape, kept as written", ignored) + body,
          std::move(ignored)};
}

bool is_toml(const std::string& file_name) {
  return file_name.size() >= 5 && file_name.compare(file_name.size() - 5, 5, ".toml") == 0;
}

}  // namespace

std::string check_config_file(const std::string& file) { return check_summary(load_daemon_config(file)); }

std::string check_config_text(std::string_view yaml, const std::string& file) {
  const auto root = parse_yaml(yaml, file);
  std::optional<DaemonConfig> config;
  root.attempt([&] { config.emplace(read_daemon_config(root)); });
  root.problems().throw_if_any();
  return check_summary(*config);
}

ImportedConfig import_iotedge_config(std::string_view text, const std::string& file_name) {
  return is_toml(file_name) ? import_toml(text, file_name) : import_yaml(text, file_name);
}

}  // namespace outpost::daemon

#include "agent_state.h"

#include <filesystem>

#include <fmt/format.h>

#include "outpost/core/file_io.h"
#include "outpost/core/json.h"

namespace outpost::agent {
namespace {

using nlohmann::json;

template <typename Enum>
std::optional<Enum> enum_from(const std::string& text, std::initializer_list<Enum> values) {
  for (const auto value : values)
    if (to_string(value) == text) return value;
  return std::nullopt;
}

}  // namespace

json module_desired_json(const ModuleDesired& m) {
  auto env = json::array();
  for (const auto& [key, value] : m.env) env.push_back({key, value});
  return {{"name", m.name},
          {"version", m.version},
          {"type", m.type},
          {"status", to_string(m.status)},
          {"restartPolicy", to_string(m.restart_policy)},
          {"imagePullPolicy", to_string(m.image_pull_policy)},
          {"startupOrder", m.startup_order},
          {"env", env},
          {"image", m.image},
          {"createOptions", m.create_options}};
}

Result<ModuleDesired> module_desired_from_json(const json& j) {
  if (!j.is_object()) return make_error("a module spec must be an object");
  ModuleDesired m;
  m.name = string_field(j, "name");
  m.version = string_field(j, "version");
  m.type = string_field(j, "type", "docker");
  m.image = string_field(j, "image");
  const auto status = enum_from(string_field(j, "status"), {DesiredStatus::running, DesiredStatus::stopped});
  const auto restart = enum_from(string_field(j, "restartPolicy"), {RestartPolicy::never, RestartPolicy::on_failure,
                                                                    RestartPolicy::on_unhealthy, RestartPolicy::always});
  const auto pull = enum_from(string_field(j, "imagePullPolicy"), {ImagePullPolicy::on_create, ImagePullPolicy::never});
  if (m.name.empty() || m.image.empty() || !status || !restart || !pull)
    return make_error(fmt::format("module spec '{}': a field is missing or unknown", m.name));
  m.status = *status;
  m.restart_policy = *restart;
  m.image_pull_policy = *pull;
  const auto order = j.find("startupOrder");
  if (order == j.end() || !order->is_number_unsigned() || order->get<std::uint64_t>() > kDefaultStartupOrder)
    return make_error(fmt::format("module spec '{}': startupOrder", m.name));
  m.startup_order = order->get<std::uint32_t>();
  const auto& env = j.find("env");
  if (env != j.end() && env->is_array())
    for (const auto& item : *env)
      if (item.is_array() && item.size() == 2 && item[0].is_string() && item[1].is_string())
        m.env.emplace_back(item[0].get<std::string>(), item[1].get<std::string>());
  if (const auto options = j.find("createOptions"); options != j.end() && options->is_object()) m.create_options = *options;
  return m;
}

Result<AgentState> AgentState::load(std::string file) {
  AgentState state(file);
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return state;
  auto text = read_whole_file(file);
  if (!text) return with_context("agent state: ", text.failure());
  auto parsed = parse_json(*text);
  if (!parsed || !parsed->is_object())
    return make_error(ErrorKind::storage_corrupt, fmt::format("agent state {}: not a JSON object", file));
  state.deployment_version = integer_field(*parsed, "deploymentVersion", 0);
  for (const auto& [name, spec] : object_field(*parsed, "applied").items()) {
    auto module = module_desired_from_json(spec);
    if (!module) return make_error(ErrorKind::storage_corrupt, fmt::format("agent state {}: {}", file, module.error()));
    state.applied[name] = std::move(*module);
  }
  for (const auto& [name, record] : object_field(*parsed, "restarts").items())
    state.restarts[name] = {static_cast<unsigned>(integer_field(record, "count", 0)), integer_field(record, "lastRestartUnix", 0)};
  return state;
}

Status AgentState::save() const {
  json applied_json = json::object();
  for (const auto& [name, module] : applied) applied_json[name] = module_desired_json(module);
  json restarts_json = json::object();
  for (const auto& [name, record] : restarts)
    restarts_json[name] = {{"count", record.count}, {"lastRestartUnix", record.last_restart_unix}};
  const json state{{"deploymentVersion", deployment_version}, {"applied", applied_json}, {"restarts", restarts_json}};
  return write_file_atomically(file_, state.dump(2), 0600);
}

}  // namespace outpost::agent

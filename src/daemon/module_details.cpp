#include "module_details.h"

#include <set>

#include <fmt/format.h>

#include "outpost/core/json.h"
#include "workload_api.h"

namespace outpost::daemon {

using nlohmann::json;

namespace {

Error bad(std::string message) { return make_error(ErrorKind::invalid_input, std::move(message)); }

std::string label(const runtime::ModuleSpec& spec, const char* key) {
  for (const auto& [k, v] : spec.labels)
    if (k == key) return v;
  return {};
}

}  // namespace

Result<RequestedModule> parse_module_spec(const json& body) {
  if (!body.is_object()) return bad("the body must be a ModuleSpec object");
  RequestedModule m;
  const auto name = body.find("name");
  if (name == body.end() || !name->is_string() || name->get<std::string>().empty()) return bad("name is required");
  m.name = name->get<std::string>();
  if (const auto type = body.find("type"); type != body.end() && (!type->is_string() || *type != "docker"))
    return bad("type: expected \"docker\"");
  const auto config = body.find("config");
  if (config == body.end() || !config->is_object()) return bad("config is required");
  const auto settings = config->find("settings");
  if (settings == config->end() || !settings->is_object()) return bad("config.settings is required");
  const auto image = settings->find("image");
  if (image == settings->end() || !image->is_string() || image->get<std::string>().empty())
    return bad("config.settings.image is required");
  m.image = image->get<std::string>();
  if (const auto options = settings->find("createOptions"); options != settings->end() && !options->is_null()) {
    if (options->is_string()) {  // some agents send it as the manifest has it: a JSON string
      auto parsed = parse_json(options->get<std::string>());
      if (!parsed || !parsed->is_object()) return bad("config.settings.createOptions: expected a JSON object");
      m.create_options = std::move(*parsed);
    } else if (options->is_object()) {
      m.create_options = *options;
    } else {
      return bad("config.settings.createOptions: expected an object");
    }
  }
  if (const auto auth = settings->find("auth"); auth != settings->end()) m.auth = *auth;
  if (const auto env = config->find("env"); env != config->end() && !env->is_null()) {
    if (!env->is_array()) return bad("config.env: expected a list of {\"key\", \"value\"}");
    std::set<std::string> seen;
    for (const auto& item : *env) {
      if (!item.is_object() || !item.value("key", json()).is_string() || !item.value("value", json()).is_string())
        return bad("config.env: expected a list of {\"key\", \"value\"} strings");
      const auto key = item["key"].get<std::string>();
      if (!seen.insert(key).second) return bad(fmt::format("config.env: duplicate key '{}'", key));
      m.env.emplace_back(key, item["value"].get<std::string>());
    }
  }
  if (const auto policy = body.find("imagePullPolicy"); policy != body.end()) {
    if (!policy->is_string() || (*policy != "on-create" && *policy != "never"))
      return bad("imagePullPolicy: expected \"on-create\" or \"never\"");
    m.image_pull_policy = policy->get<std::string>();
  }
  return m;
}

std::vector<std::pair<std::string, std::string>> request_labels(const RequestedModule& module) {
  auto env = json::array();
  for (const auto& [k, v] : module.env) env.push_back({{"key", k}, {"value", v}});
  return {{kOwnerLabel, kOwner},
          {kOriginalImageLabel, module.image},
          {kEnvLabel, env.dump()},
          {kCreateOptionsLabel, module.create_options.dump()}};
}

json module_details(const runtime::ModuleSpec& spec, const runtime::ModuleStatus& status) {
  auto image = label(spec, kOriginalImageLabel);
  if (image.empty()) image = spec.image;
  auto env = parse_json(label(spec, kEnvLabel));
  auto options = parse_json(label(spec, kCreateOptionsLabel));
  json runtime_status{{"status", runtime::to_string(status.state)}};
  if (!status.description.empty()) runtime_status["description"] = status.description;
  json module_status{{"runtimeStatus", runtime_status}};
  if (status.start_time) module_status["startTime"] = rfc3339(*status.start_time);
  if (status.exit_time)
    module_status["exitStatus"] = {{"exitTime", rfc3339(*status.exit_time)},
                                   {"statusCode", status.exit_code ? std::to_string(*status.exit_code) : "unknown"}};
  return {{"id", spec.name},
          {"name", spec.name},
          {"type", "docker"},
          {"config",
           {{"settings", {{"image", image}, {"createOptions", options && options->is_object() ? *options : spec.create_options}}},
            {"env", env && env->is_array() ? *env : json::array()}}},
          {"status", module_status}};
}

}  // namespace outpost::daemon

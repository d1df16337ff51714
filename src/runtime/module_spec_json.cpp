#include "module_spec_json.h"

#include "outpost/core/json.h"

namespace outpost::runtime {

using nlohmann::json;

namespace {

json pairs_to_json(const std::vector<std::pair<std::string, std::string>>& pairs) {
  auto out = json::array();
  for (const auto& [k, v] : pairs) out.push_back({k, v});
  return out;
}

std::vector<std::pair<std::string, std::string>> pairs_from_json(const json& object, const char* key) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!object.is_object() || !object.contains(key) || !object[key].is_array()) return out;
  for (const auto& item : object[key])
    if (item.is_array() && item.size() == 2 && item[0].is_string() && item[1].is_string())
      out.emplace_back(item[0].get<std::string>(), item[1].get<std::string>());
  return out;
}

}  // namespace

json spec_to_json(const ModuleSpec& spec) {
  return {{"name", spec.name},
          {"image", spec.image},
          {"env", pairs_to_json(spec.env)},
          {"createOptions", spec.create_options},
          {"labels", pairs_to_json(spec.labels)},
          {"imagePullPolicy", spec.image_pull_policy}};
}

ModuleSpec spec_from_json(const json& j) {
  ModuleSpec spec;
  spec.name = string_field(j, "name");
  spec.image = string_field(j, "image");
  spec.env = pairs_from_json(j, "env");
  spec.create_options = object_field(j, "createOptions");
  spec.labels = pairs_from_json(j, "labels");
  spec.image_pull_policy = string_field(j, "imagePullPolicy", "on-create");
  return spec;
}

}  // namespace outpost::runtime

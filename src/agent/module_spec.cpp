// One module of the manifest (systemModules.edgeAgent, systemModules.edgeHub, modules.<name>)
// read the way IoT Edge's agent reads it: DockerModule, EdgeHubDockerModule,
// EdgeAgentDockerModule, DockerConfig, EnvVal.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>

#include "manifest_internal.h"

namespace outpost::agent::manifest_detail {
namespace {

using nlohmann::json;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x >= 'A' && x <= 'Z' ? x | 0x20 : x) == (y >= 'A' && y <= 'Z' ? y | 0x20 : y);
         });
}

template <typename E>
struct Spelling {
  std::string_view text;
  E value;
  bool listed = true;  // named in "is not one of …"
};

constexpr std::array<Spelling<RestartPolicy>, 5> kRestartPolicies{{
    {"never", RestartPolicy::never},
    {"on-failure", RestartPolicy::on_failure},
    {"on-unhealthy", RestartPolicy::on_unhealthy},
    {"always", RestartPolicy::always},
    // IoT Edge's enum has an internal "unknown" its deserializer accepts (iotedgehubdev's test
    // manifest uses it); its restart manager then treats it as on-failure/on-unhealthy do.
    {"unknown", RestartPolicy::on_unhealthy, false},
}};
constexpr std::array<Spelling<DesiredStatus>, 2> kStatuses{
    {{"running", DesiredStatus::running}, {"stopped", DesiredStatus::stopped}}};
constexpr std::array<Spelling<ImagePullPolicy>, 2> kPullPolicies{
    {{"on-create", ImagePullPolicy::on_create}, {"never", ImagePullPolicy::never}}};

// An enum field; absent keeps `out`. Case does not matter, as for Newtonsoft's StringEnumConverter.
template <typename E, std::size_t N>
void read_enum(const json& spec, std::string_view key, const std::string& path,
               const std::array<Spelling<E>, N>& spellings, E& out, Problems& problems) {
  const json* value = field(spec, key);
  if (value == nullptr) return;
  if (value->is_string())
    for (const auto& spelling : spellings)
      if (iequals(value->get_ref<const std::string&>(), spelling.text)) {
        out = spelling.value;
        return;
      }
  std::string names;
  for (const auto& spelling : spellings)
    if (spelling.listed) names += fmt::format("{}{}", names.empty() ? "" : ", ", spelling.text);
  problems.add(fmt::format("{}.{}", path, key), fmt::format("{} is not one of {}", describe(*value), names));
}

// Versions and env values: manifests in the wild hold numbers and booleans too (iotedge's own
// nested-edge manifests: "value": 0, "value": false), which IoT Edge reads as strings. Written
// as JSON spells them ("false"; .NET would pass "False").
std::optional<std::string> scalar_text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean() || value.is_number()) return value.dump();
  if (value.is_null()) return std::string();
  return std::nullopt;
}

void read_startup_order(const json& spec, const std::string& path, std::uint32_t& out, Problems& problems) {
  // Schema 1.1 brought startupOrder; IoT Edge reads it under 1.0 as well, and so do we.
  const json* value = field(spec, "startupOrder");
  if (value == nullptr) return;
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint32_t>::max();
  std::optional<std::uint64_t> number;
  if (value->is_number_unsigned())
    number = value->get<std::uint64_t>();
  else if (value->is_number_integer() && value->get<std::int64_t>() >= 0)
    number = value->get<std::int64_t>();
  else if (value->is_number_float()) {  // 2.0 is 2
    const double d = value->get<double>();
    if (std::isfinite(d) && d >= 0 && d <= static_cast<double>(kMax) && d == std::floor(d))
      number = static_cast<std::uint64_t>(d);
  }
  if (number && *number <= kMax)
    out = static_cast<std::uint32_t>(*number);
  else
    problems.add(path + ".startupOrder", fmt::format("{} is not a whole number from 0 to {}", describe(*value), kMax));
}

void read_env(const json& spec, const std::string& path, ModuleDesired& module, Problems& problems) {
  const json* env = field(spec, "env");
  if (env == nullptr) return;
  if (!env->is_object()) {
    problems.add(path + ".env",
                 fmt::format("must be an object {{\"NAME\": {{\"value\": \"…\"}}}}, found {}", describe(*env)));
    return;
  }
  for (auto item = env->begin(); item != env->end(); ++item) {
    const std::string& name = item.key();
    const std::string where = fmt::format("{}.env.{}", path, printable(name));
    if (name.empty() || name.find_first_of(std::string_view("=\0", 2)) != std::string::npos) {
      problems.add(where, "not an environment variable name (empty, or holds '=' or NUL)");
      continue;
    }
    if (!item->is_object()) {
      problems.add(where, fmt::format("must be an object {{\"value\": \"…\"}}, found {}", describe(*item)));
      continue;
    }
    std::string value;  // IoT Edge's EnvVal: no "value" is "" (iotedgehubdev's test manifest has "test2": {})
    if (const json* given = field(*item, "value")) {
      auto text = scalar_text(*given);
      if (!text) {
        problems.add(where + ".value", fmt::format("must be a string, found {}", describe(*given)));
        continue;
      }
      value = std::move(*text);
    }
    module.env.emplace_back(name, std::move(value));
  }
  std::sort(module.env.begin(), module.env.end());
}

void read_settings(const json& spec, const std::string& path, ModuleDesired& module, Problems& problems) {
  const json* settings = field(spec, "settings");
  if (settings == nullptr) return problems.add(path + ".settings", "missing (it names the image)");
  if (!settings->is_object())
    return problems.add(path + ".settings", fmt::format("must be an object, found {}", describe(*settings)));
  const json* image = field(*settings, "image");
  if (image == nullptr)
    problems.add(path + ".settings.image", "missing");
  else if (!image->is_string())
    problems.add(path + ".settings.image", fmt::format("must be a string, found {}", describe(*image)));
  else if (auto normalized = normalize_image(image->get_ref<const std::string&>()); !normalized)
    problems.add(path + ".settings.image", normalized.error());
  else
    module.image = std::move(normalized).value();
  auto options = read_create_options(*settings);
  if (!options)
    problems.add_line(fmt::format("{}.settings.{}", path, options.error()));
  else
    module.create_options = std::move(options).value();
}

}  // namespace

// IoT Edge's DockerConfig.ValidateAndGetImage: trimmed, then ^(([^/]*/)*)([^/:]+)(:[^/:]+)?$ —
// the part after the last '/' is name[:tag] — and ":latest" when there is no tag, so
// "host:5000/img" becomes "host:5000/img:latest". A "$upstream:<port>/…" image (nested edge) is
// kept as it is: the parent's hostname replaces $upstream where the module is created.
Result<std::string> normalize_image(std::string_view image) {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  const auto first = image.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return make_error("empty");
  image = image.substr(first, image.find_last_not_of(kSpace) - first + 1);
  const std::string shown = "'" + printable(image) + "'";
  if (image.front() == '$') {
    constexpr std::string_view kUpstream = "$upstream:";
    if (image.substr(0, kUpstream.size()) != kUpstream || image.size() == kUpstream.size() ||
        image[kUpstream.size()] < '1' || image[kUpstream.size()] > '9')
      return make_error(
          fmt::format("{} is not an image: the only '$' prefix is $upstream:<port>/ (nested edge)", shown));
  }
  const auto slash = image.rfind('/');
  const std::string_view name_tag = slash == std::string_view::npos ? image : image.substr(slash + 1);
  const auto colon = name_tag.find(':');
  const bool valid = !name_tag.empty() && colon != 0 && colon != name_tag.size() - 1 &&
                     (colon == std::string_view::npos || name_tag.find(':', colon + 1) == std::string_view::npos);
  if (!valid) return make_error(fmt::format("{} is not an image name ([registry[:port]/]repository[:tag])", shown));
  return colon == std::string_view::npos ? std::string(image) + ":latest" : std::string(image);
}

ModuleDesired read_module(const json& spec, const std::string& name, const std::string& path, ModuleRole role,
                          Problems& problems) {
  ModuleDesired module;
  module.name = name;
  if (role != ModuleRole::module) module.restart_policy = RestartPolicy::always;  // edgeHub's default
  // IoT Edge's EdgeAgentDockerModule fixes these (running, always, first) and reads no others.
  if (role == ModuleRole::agent) module.startup_order = 0;
  if (!spec.is_object()) {
    problems.add(path, fmt::format("must be an object, found {}", describe(spec)));
    return module;
  }
  const json* type = field(spec, "type");
  if (type == nullptr)
    problems.add(path + ".type", "missing (\"docker\")");
  else if (!type->is_string() || type->get_ref<const std::string&>() != "docker")
    problems.add(path + ".type", fmt::format("{} is not a module type this agent runs (\"docker\")", describe(*type)));
  if (const json* version = field(spec, "version")) {
    if (auto text = scalar_text(*version))
      module.version = std::move(*text);
    else
      problems.add(path + ".version", fmt::format("must be a string, found {}", describe(*version)));
  }
  if (role != ModuleRole::agent) {
    // IoT Edge requires edgeHub's status; every real manifest has it, and running is what it means.
    read_enum(spec, "status", path, kStatuses, module.status, problems);
    read_enum(spec, "restartPolicy", path, kRestartPolicies, module.restart_policy, problems);
    read_startup_order(spec, path, module.startup_order, problems);
  }
  read_enum(spec, "imagePullPolicy", path, kPullPolicies, module.image_pull_policy, problems);
  read_env(spec, path, module, problems);
  read_settings(spec, path, module, problems);
  return module;
}
}  // namespace outpost::agent::manifest_detail

#include "identity_registry.h"

#include <fmt/format.h>

#include "outpost/core/config.h"
#include "outpost/core/encoding.h"

namespace outpost::hub {

Result<IdentityRegistry> IdentityRegistry::from_json(const nlohmann::json& list, const std::string& source) {
  if (!list.is_array()) return make_error(fmt::format("{}: expected a JSON array of identities", source));
  IdentityRegistry registry;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& entry = list[i];
    const auto where = fmt::format("{}: entry {}", source, i);
    if (!entry.is_object()) return make_error(where + ": expected an object");
    const auto text = [&](const char* key, bool required) -> Result<std::string> {
      if (!entry.contains(key)) {
        if (required) return make_error(fmt::format("{}: missing \"{}\"", where, key));
        return std::string();
      }
      if (!entry[key].is_string() || entry[key].get_ref<const std::string&>().empty())
        return make_error(fmt::format("{}: \"{}\" must be a non-empty string", where, key));
      return entry[key].get<std::string>();
    };
    auto device = text("deviceId", true);
    if (!device) return device.failure();
    auto module = text("moduleId", false);
    if (!module) return module.failure();
    auto primary = text("primaryKey", true);
    if (!primary) return primary.failure();
    auto secondary = text("secondaryKey", false);
    if (!secondary) return secondary.failure();
    if (!base64_decode(*primary)) return make_error(where + ": \"primaryKey\" is not base64");
    if (!secondary->empty() && !base64_decode(*secondary))
      return make_error(where + ": \"secondaryKey\" is not base64");
    iothub::Identity identity{*device, module->empty() ? std::nullopt : std::optional(*module)};
    if (registry.keys_.count(identity.id()))
      return make_error(fmt::format("{}: identity '{}' is listed twice", where, identity.id()));
    registry.upsert(identity, SasKeys{*primary, *secondary});
  }
  return registry;
}

IdentityRegistry IdentityRegistry::load_file(const std::string& file) {
  auto registry = from_json(load_json_file(file), file);
  if (!registry) throw ConfigError(registry.error());
  return std::move(*registry);
}

const SasKeys* IdentityRegistry::keys(const iothub::Identity& identity) const {
  const auto it = keys_.find(identity.id());
  return it == keys_.end() ? nullptr : &it->second;
}

void IdentityRegistry::merge_from(const IdentityRegistry& other) {
  for (const auto& [id, keys] : other.keys_) keys_[id] = keys;
}

void IdentityRegistry::upsert(const iothub::Identity& identity, SasKeys keys) {
  keys_[identity.id()] = std::move(keys);
}

}  // namespace outpost::hub

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
    iothub::Identity identity{*device, module->empty() ? std::nullopt : std::optional(*module)};
    if (registry.contains(identity))
      return make_error(fmt::format("{}: identity '{}' is listed twice", where, identity.id()));
    const bool sas = entry.contains("primaryKey");
    const bool thumbprint = entry.contains("primaryThumbprint");
    const bool ca = entry.contains("certificateAuthority");
    if (sas + thumbprint + ca != 1)
      return make_error(where + ": needs exactly one of \"primaryKey\" (SAS), \"primaryThumbprint\" (X.509 "
                                "selfSigned) and \"certificateAuthority\": true (X.509 CA-signed)");
    if (ca) {
      if (!entry["certificateAuthority"].is_boolean() || !entry["certificateAuthority"].get<bool>())
        return make_error(where + ": \"certificateAuthority\" must be true");
      if (identity.module_id) return make_error(where + ": certificateAuthority is for devices only");
      registry.upsert(identity, X509Registration{true, {}, {}});
      continue;
    }
    const auto first = sas ? "primaryKey" : "primaryThumbprint";
    const auto second = sas ? "secondaryKey" : "secondaryThumbprint";
    auto primary = text(first, true);
    if (!primary) return primary.failure();
    auto secondary = text(second, false);
    if (!secondary) return secondary.failure();
    if (!sas) {
      registry.upsert(identity, X509Registration{false, *primary, *secondary});
      continue;
    }
    if (!base64_decode(*primary)) return make_error(where + ": \"primaryKey\" is not base64");
    if (!secondary->empty() && !base64_decode(*secondary))
      return make_error(where + ": \"secondaryKey\" is not base64");
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
  const auto it = entries_.find(identity.id());
  return it == entries_.end() || !it->second.keys ? nullptr : &*it->second.keys;
}

const X509Registration* IdentityRegistry::x509(const iothub::Identity& identity) const {
  const auto it = entries_.find(identity.id());
  return it == entries_.end() || !it->second.x509 ? nullptr : &*it->second.x509;
}

void IdentityRegistry::merge_from(const IdentityRegistry& other) {
  for (const auto& [id, entry] : other.entries_) entries_[id] = entry;
}

void IdentityRegistry::upsert(const iothub::Identity& identity, SasKeys keys) {
  entries_[identity.id()] = Entry{std::move(keys), std::nullopt};
}

void IdentityRegistry::upsert(const iothub::Identity& identity, X509Registration x509) {
  entries_[identity.id()] = Entry{std::nullopt, std::move(x509)};
}

}  // namespace outpost::hub

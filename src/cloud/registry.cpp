#include "registry.h"

#include <fmt/format.h>

#include "ids.h"

namespace outpost::cloud {

using nlohmann::json;

namespace {

CloudError store_failure(DbResult r, const std::string& what) {
  switch (r) {
    case DbResult::not_found: return {404, "DeviceNotFound", what + " was not found"};
    case DbResult::already_exists: return {409, "DeviceAlreadyExists", what + " already exists"};
    case DbResult::etag_mismatch:
      return precondition_failed(what + " was changed by someone else (etag mismatch); read it again");
    case DbResult::ok: break;
  }
  return {500, "ServerError", what};
}

bool etag_matches(const std::optional<std::string>& if_match, const std::string& current) {
  if (!if_match) return true;
  const auto wanted = unquote_etag(*if_match);
  return wanted == "*" || wanted == current;
}

std::string optional_text(const json& body, const char* key) {
  const auto it = body.find(key);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

TwinRecord new_twin(const iothub::Identity& identity) {
  TwinRecord t;
  t.identity = identity;
  t.version = 1;
  t.etag = version_etag(t.version);
  return t;
}

Outcome<void> parse_authentication(const json& body, Authentication& auth, bool keep_existing_keys) {
  if (!body.contains("authentication") || body["authentication"].is_null()) {
    if (!keep_existing_keys || auth.keys.primary.empty()) {
      auth.type = AuthType::sas;
      auth.keys = {generate_key(), generate_key()};
    }
    return {};
  }
  const auto& a = body["authentication"];
  if (!a.is_object()) return bad_request("authentication must be an object");
  if (a.contains("type") && !a["type"].is_null()) {
    if (!a["type"].is_string()) return bad_request("authentication.type must be a string");
    const auto type = parse_auth_type(a["type"].get<std::string>());
    if (!type)
      return bad_request("authentication.type '" + a["type"].get<std::string>() +
                         "' is not sas, selfSigned, certificateAuthority or none");
    auth.type = *type;
  }
  SymmetricKeys keys;
  if (a.contains("symmetricKey") && a["symmetricKey"].is_object()) {
    keys.primary = optional_text(a["symmetricKey"], "primaryKey");
    keys.secondary = optional_text(a["symmetricKey"], "secondaryKey");
  }
  if (auth.type == AuthType::sas) {
    if (!keys.primary.empty()) {
      if (auto s = validate_symmetric_key(keys.primary, "authentication.symmetricKey.primaryKey"); !s)
        return bad_request(s.error());
    }
    if (!keys.secondary.empty()) {
      if (auto s = validate_symmetric_key(keys.secondary, "authentication.symmetricKey.secondaryKey"); !s)
        return bad_request(s.error());
    }
    const bool kept = keep_existing_keys && !auth.keys.primary.empty();
    if (keys.primary.empty()) keys.primary = kept ? auth.keys.primary : generate_key();
    if (keys.secondary.empty()) keys.secondary = kept ? auth.keys.secondary : generate_key();
    auth.keys = keys;
  } else {
    auth.keys = {};
  }
  if (a.contains("x509Thumbprint") && a["x509Thumbprint"].is_object()) {
    auth.primary_thumbprint = optional_text(a["x509Thumbprint"], "primaryThumbprint");
    auth.secondary_thumbprint = optional_text(a["x509Thumbprint"], "secondaryThumbprint");
  }
  if (auth.type == AuthType::self_signed && auth.primary_thumbprint.empty())
    return bad_request("selfSigned authentication needs authentication.x509Thumbprint.primaryThumbprint");
  return {};
}

Registry::Registry(CloudDatabase& storage, const Clock& clock) : storage_(storage), clock_(clock) {}

void Registry::notify(const std::string& device_id, const std::optional<std::string>& module_id,
                      IdentityChange change) {
  for (const auto& o : observers_) o(device_id, module_id, change);
}

std::optional<std::string> Registry::parent_of(const DeviceRecord& device) const {
  const std::string& scope = !device.parent_scopes.empty() ? device.parent_scopes.front()
                             : device.iot_edge        ? std::string()
                                                      : device.device_scope;
  if (scope.empty()) return std::nullopt;
  auto parent_id = scope_device_id(scope);
  if (!parent_id) return std::nullopt;
  const auto parent = storage_.get_device(*parent_id);
  if (!parent || !parent->iot_edge || parent->device_scope != scope) return std::nullopt;
  return parent_id;
}

Outcome<void> Registry::apply_scopes(DeviceRecord& device, const json& body) const {
  const auto check_edge_scope = [&](const std::string& scope, const char* field) -> Outcome<void> {
    const auto owner = scope_device_id(scope);
    const auto parent = owner ? storage_.get_device(*owner) : std::nullopt;
    if (!parent || !parent->iot_edge || parent->device_scope != scope)
      return bad_request(fmt::format("{} '{}' is not the scope of an edge device", field, scope));
    if (parent->device_id == device.device_id) return bad_request(fmt::format("{}: a device cannot be its own parent", field));
    return {};
  };
  std::vector<std::string> parents = device.parent_scopes;
  if (body.contains("parentScopes")) {
    parents.clear();
    if (!body["parentScopes"].is_null() && !body["parentScopes"].is_array())
      return bad_request("parentScopes must be an array of scope strings");
    if (body["parentScopes"].is_array())
      for (const auto& s : body["parentScopes"]) {
        if (!s.is_string()) return bad_request("parentScopes must be an array of scope strings");
        if (!s.get<std::string>().empty()) parents.push_back(s.get<std::string>());
      }
    if (parents.size() > 1) return bad_request("parentScopes may name one parent");
  }
  if (device.iot_edge) {
    if (device.device_scope.empty() || !scope_device_id(device.device_scope) ||
        *scope_device_id(device.device_scope) != device.device_id)
      device.device_scope = edge_scope(device.device_id, device.generation_id);
  } else {
    std::string scope = device.device_scope;
    if (body.contains("deviceScope")) scope = body["deviceScope"].is_string() ? body["deviceScope"].get<std::string>() : "";
    if (scope.empty() && !parents.empty()) scope = parents.front();
    if (!scope.empty() && scope_device_id(scope) && *scope_device_id(scope) == device.device_id) scope.clear();
    if (!scope.empty()) {
      if (auto s = check_edge_scope(scope, "deviceScope"); !s) return s;
      if (!parents.empty() && parents.front() != scope)
        return bad_request("a leaf device's parentScopes must name the same scope as its deviceScope");
      parents = {scope};
    } else {
      parents.clear();
    }
    device.device_scope = scope;
  }
  if (device.iot_edge && !parents.empty())
    if (auto s = check_edge_scope(parents.front(), "parentScopes[0]"); !s) return s;
  device.parent_scopes = parents;
  return {};
}

DbResult Registry::create_system_modules(const DeviceRecord& device) {
  for (const auto id : {kEdgeAgent, kEdgeHub}) {
    if (storage_.get_module(device.device_id, id)) continue;
    ModuleRecord m;
    m.device_id = device.device_id;
    m.module_id = std::string(id);
    m.generation_id = generate_generation_id(clock_);
    m.etag = generate_etag();
    m.authentication.type = AuthType::sas;
    m.authentication.keys = {generate_key(), generate_key()};
    if (auto r = storage_.insert_module(m); r != DbResult::ok) return r;
    if (auto r = storage_.insert_twin(new_twin({device.device_id, m.module_id})); r != DbResult::ok) return r;
  }
  return DbResult::ok;
}

Outcome<DeviceRecord> Registry::put_device(const std::string& device_id, const json& body,
                                           const std::optional<std::string>& if_match) {
  if (auto s = validate_identity_id(device_id, "device id"); !s) return bad_request(s.error());
  if (!body.is_object()) return bad_request("the body must be a JSON device object");
  if (const auto id = optional_text(body, "deviceId"); !id.empty() && id != device_id)
    return bad_request(fmt::format("the body names device '{}' but the path names '{}'", id, device_id));

  std::optional<DeviceRecord> existing;
  if (if_match) {
    existing = storage_.get_device(device_id);
    if (!existing) return device_not_found(device_id);
    if (!etag_matches(if_match, existing->etag))
      return precondition_failed(fmt::format("device '{}' has etag \"{}\", not {}", device_id, existing->etag, *if_match));
  }
  DeviceRecord device = existing.value_or(DeviceRecord{});
  device.device_id = device_id;
  if (!existing) device.generation_id = generate_generation_id(clock_);
  const bool was_enabled = device.enabled;
  if (body.contains("status") && !body["status"].is_null()) {
    const auto status = body["status"].is_string() ? body["status"].get<std::string>() : "";
    if (status != "enabled" && status != "disabled")
      return bad_request("status must be \"enabled\" or \"disabled\"");
    device.enabled = status == "enabled";
  }
  if (!existing || was_enabled != device.enabled) device.status_updated_time = format_iso8601(clock_.now());
  if (body.contains("statusReason")) device.status_reason = optional_text(body, "statusReason");
  if (auto s = parse_authentication(body, device.authentication, existing.has_value()); !s) return s.error();
  if (body.contains("capabilities") && !body["capabilities"].is_null()) {
    const auto& caps = body["capabilities"];
    if (!caps.is_object()) return bad_request("capabilities must be an object, as {\"iotEdge\": true}");
    if (caps.contains("iotEdge") && !caps["iotEdge"].is_boolean())
      return bad_request("capabilities.iotEdge must be true or false");
    device.iot_edge = caps.value("iotEdge", false);
  }
  if (auto s = apply_scopes(device, body); !s) return s.error();
  const std::string old_etag = device.etag;
  device.etag = generate_etag();

  if (!existing) return create_device(std::move(device));
  const auto result = storage_.atomically([&] {
    if (auto r = storage_.update_device(device, old_etag); r != DbResult::ok) return r;
    return device.iot_edge ? create_system_modules(device) : DbResult::ok;
  });
  if (result != DbResult::ok) return store_failure(result, "device '" + device_id + "'");
  notify(device_id, std::nullopt, IdentityChange::updated);
  return device;
}

Outcome<DeviceRecord> Registry::create_device(DeviceRecord device) {
  const auto result = storage_.atomically([&] {
    if (auto r = storage_.insert_device(device); r != DbResult::ok) return r;
    if (auto r = storage_.insert_twin(new_twin({device.device_id, std::nullopt})); r != DbResult::ok) return r;
    return device.iot_edge ? create_system_modules(device) : DbResult::ok;
  });
  if (result == DbResult::already_exists)
    return CloudError{409, "DeviceAlreadyExists",
                      "device '" + device.device_id + "' already exists (send If-Match to update it)"};
  if (result != DbResult::ok) return store_failure(result, "device '" + device.device_id + "'");
  notify(device.device_id, std::nullopt, IdentityChange::created);
  if (device.iot_edge) {
    notify(device.device_id, std::string(kEdgeAgent), IdentityChange::created);
    notify(device.device_id, std::string(kEdgeHub), IdentityChange::created);
  }
  return device;
}

Outcome<DeviceRecord> Registry::get_device(const std::string& device_id) const {
  auto device = storage_.get_device(device_id);
  if (!device) return device_not_found(device_id);
  return std::move(*device);
}

std::vector<DeviceRecord> Registry::list_devices(std::size_t top) const { return storage_.list_devices(top); }

Outcome<void> Registry::delete_device(const std::string& device_id, const std::optional<std::string>& if_match) {
  const auto device = storage_.get_device(device_id);
  if (!device) return device_not_found(device_id);
  if (!etag_matches(if_match, device->etag))
    return precondition_failed(fmt::format("device '{}' has etag \"{}\", not {}", device_id, device->etag, *if_match));
  if (auto r = storage_.delete_device(device_id); r != DbResult::ok)
    return store_failure(r, "device '" + device_id + "'");
  notify(device_id, std::nullopt, IdentityChange::deleted);
  return {};
}

Outcome<ModuleRecord> Registry::put_module(const std::string& device_id, const std::string& module_id,
                                           const json& body, const std::optional<std::string>& if_match) {
  if (auto s = validate_identity_id(device_id, "device id"); !s) return bad_request(s.error());
  if (auto s = validate_identity_id(module_id, "module id"); !s) return bad_request(s.error());
  if (!body.is_object()) return bad_request("the body must be a JSON module object");
  if (const auto id = optional_text(body, "moduleId"); !id.empty() && id != module_id)
    return bad_request(fmt::format("the body names module '{}' but the path names '{}'", id, module_id));
  if (const auto id = optional_text(body, "deviceId"); !id.empty() && id != device_id)
    return bad_request(fmt::format("the body names device '{}' but the path names '{}'", id, device_id));
  const auto device = storage_.get_device(device_id);
  if (!device) return device_not_found(device_id);
  auto existing = storage_.get_module(device_id, module_id);
  if (module_id.front() == '$' && !existing)
    return bad_request(fmt::format("module ids starting with '$' are reserved ('{}')", module_id));
  if (existing && !if_match)
    return CloudError{409, "ModuleAlreadyExistsOnDevice",
                      fmt::format("module '{}' already exists on device '{}' (send If-Match to update it)", module_id,
                                  device_id)};
  if (!existing && if_match && unquote_etag(*if_match) != "*") return module_not_found(device_id, module_id);
  if (existing && !etag_matches(if_match, existing->etag))
    return precondition_failed(fmt::format("module '{}/{}' has etag \"{}\", not {}", device_id, module_id,
                                           existing->etag, *if_match));
  ModuleRecord module = existing.value_or(ModuleRecord{});
  module.device_id = device_id;
  module.module_id = module_id;
  if (!existing) module.generation_id = generate_generation_id(clock_);
  if (body.contains("managedBy")) module.managed_by = optional_text(body, "managedBy");
  if (auto s = parse_authentication(body, module.authentication, existing.has_value()); !s) return s.error();
  const std::string old_etag = module.etag;
  module.etag = generate_etag();
  DbResult result;
  if (existing) {
    result = storage_.update_module(module, old_etag);
  } else {
    result = storage_.atomically([&] {
      if (auto r = storage_.insert_module(module); r != DbResult::ok) return r;
      return storage_.insert_twin(new_twin({device_id, module_id}));
    });
  }
  if (result == DbResult::already_exists)
    return CloudError{409, "ModuleAlreadyExistsOnDevice",
                      fmt::format("module '{}' already exists on device '{}'", module_id, device_id)};
  if (result != DbResult::ok) return store_failure(result, "module '" + device_id + "/" + module_id + "'");
  notify(device_id, module_id, existing ? IdentityChange::updated : IdentityChange::created);
  return module;
}

Outcome<ModuleRecord> Registry::get_module(const std::string& device_id, const std::string& module_id) const {
  if (!storage_.get_device(device_id)) return device_not_found(device_id);
  auto module = storage_.get_module(device_id, module_id);
  if (!module) return module_not_found(device_id, module_id);
  return std::move(*module);
}

Outcome<std::vector<ModuleRecord>> Registry::list_modules(const std::string& device_id) const {
  if (!storage_.get_device(device_id)) return device_not_found(device_id);
  return storage_.list_modules(device_id);
}

Outcome<void> Registry::delete_module(const std::string& device_id, const std::string& module_id,
                                      const std::optional<std::string>& if_match) {
  auto module = get_module(device_id, module_id);
  if (!module) return module.error();
  if (module_id == kEdgeAgent || module_id == kEdgeHub)
    return bad_request(fmt::format("'{}' is a system module of an edge device and cannot be deleted", module_id));
  if (!etag_matches(if_match, module->etag))
    return precondition_failed(fmt::format("module '{}/{}' has etag \"{}\", not {}", device_id, module_id,
                                           module->etag, *if_match));
  if (auto r = storage_.delete_module(device_id, module_id); r != DbResult::ok)
    return store_failure(r, "module '" + device_id + "/" + module_id + "'");
  notify(device_id, module_id, IdentityChange::deleted);
  return {};
}

}  // namespace outpost::cloud

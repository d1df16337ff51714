#include "model_json.h"

#include "outpost/core/encoding.h"

namespace outpost::cloud {
namespace {

using nlohmann::json;

json nullable(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

std::string text(const json& j, const char* key) {
  if (!j.is_object()) return {};
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

const char* auth_type_name(AuthType type) {
  switch (type) {
    case AuthType::sas: return "sas";
    case AuthType::self_signed: return "selfSigned";
    case AuthType::certificate_authority: return "certificateAuthority";
    case AuthType::none: return "none";
  }
  return "sas";
}

std::optional<AuthType> parse_auth_type(std::string_view name) {
  if (iequals(name, "sas")) return AuthType::sas;
  if (iequals(name, "selfSigned")) return AuthType::self_signed;
  if (iequals(name, "certificateAuthority")) return AuthType::certificate_authority;
  if (iequals(name, "none")) return AuthType::none;
  return std::nullopt;
}

std::optional<std::uint32_t> parse_rights(const std::vector<std::string>& names) {
  std::uint32_t out = 0;
  for (const auto& n : names) {
    if (iequals(n, "RegistryRead")) out |= rights::kRegistryRead;
    else if (iequals(n, "RegistryWrite")) out |= rights::kRegistryWrite;
    else if (iequals(n, "ServiceConnect")) out |= rights::kServiceConnect;
    else if (iequals(n, "DeviceConnect")) out |= rights::kDeviceConnect;
    else return std::nullopt;
  }
  return out;
}

std::string rights_to_string(std::uint32_t r) {
  std::string out;
  const std::pair<std::uint32_t, const char*> names[] = {{rights::kRegistryRead, "RegistryRead"},
                                                         {rights::kRegistryWrite, "RegistryWrite"},
                                                         {rights::kServiceConnect, "ServiceConnect"},
                                                         {rights::kDeviceConnect, "DeviceConnect"}};
  for (const auto& [bit, name] : names) {
    if (!(r & bit)) continue;
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

json authentication_json(const Authentication& auth) {
  return json{{"symmetricKey", {{"primaryKey", nullable(auth.keys.primary)}, {"secondaryKey", nullable(auth.keys.secondary)}}},
              {"x509Thumbprint",
               {{"primaryThumbprint", nullable(auth.primary_thumbprint)},
                {"secondaryThumbprint", nullable(auth.secondary_thumbprint)}}},
              {"type", auth_type_name(auth.type)}};
}

Authentication authentication_from_json(const json& j) {
  Authentication a;
  if (!j.is_object()) return a;
  a.type = parse_auth_type(text(j, "type")).value_or(AuthType::sas);
  if (j.contains("symmetricKey")) {
    a.keys.primary = text(j["symmetricKey"], "primaryKey");
    a.keys.secondary = text(j["symmetricKey"], "secondaryKey");
  }
  if (j.contains("x509Thumbprint")) {
    a.primary_thumbprint = text(j["x509Thumbprint"], "primaryThumbprint");
    a.secondary_thumbprint = text(j["x509Thumbprint"], "secondaryThumbprint");
  }
  return a;
}

json device_json(const DeviceRecord& d) {
  return json{{"deviceId", d.device_id},
              {"generationId", d.generation_id},
              {"etag", d.etag},
              {"status", d.enabled ? "enabled" : "disabled"},
              {"statusReason", nullable(d.status_reason)},
              {"statusUpdatedTime", d.status_updated_time.empty() ? "0001-01-01T00:00:00Z" : d.status_updated_time},
              {"authentication", authentication_json(d.authentication)},
              {"capabilities", {{"iotEdge", d.iot_edge}}},
              {"deviceScope", d.device_scope},
              {"parentScopes", d.parent_scopes}};
}

DeviceRecord device_from_json(const json& j) {
  DeviceRecord d;
  d.device_id = text(j, "deviceId");
  d.generation_id = text(j, "generationId");
  d.etag = text(j, "etag");
  d.enabled = text(j, "status") != "disabled";
  d.status_reason = text(j, "statusReason");
  d.status_updated_time = text(j, "statusUpdatedTime");
  if (j.contains("authentication")) d.authentication = authentication_from_json(j["authentication"]);
  d.iot_edge = j.contains("capabilities") && j["capabilities"].is_object() &&
               j["capabilities"].value("iotEdge", false);
  d.device_scope = text(j, "deviceScope");
  if (j.contains("parentScopes") && j["parentScopes"].is_array())
    for (const auto& s : j["parentScopes"])
      if (s.is_string()) d.parent_scopes.push_back(s.get<std::string>());
  return d;
}

json module_json(const ModuleRecord& m) {
  return json{{"moduleId", m.module_id},
              {"deviceId", m.device_id},
              {"managedBy", nullable(m.managed_by)},
              {"generationId", m.generation_id},
              {"etag", m.etag},
              {"authentication", authentication_json(m.authentication)}};
}

ModuleRecord module_from_json(const json& j) {
  ModuleRecord m;
  m.module_id = text(j, "moduleId");
  m.device_id = text(j, "deviceId");
  m.managed_by = text(j, "managedBy");
  m.generation_id = text(j, "generationId");
  m.etag = text(j, "etag");
  if (j.contains("authentication")) m.authentication = authentication_from_json(j["authentication"]);
  return m;
}

json twin_storage_json(const TwinRecord& t) {
  json out{{"deviceId", t.identity.device_id},
           {"tags", t.tags},
           {"properties", t.properties.to_json()},
           {"version", t.version},
           {"etag", t.etag},
           {"modelId", t.model_id}};
  if (t.identity.module_id) out["moduleId"] = *t.identity.module_id;
  return out;
}

TwinRecord twin_from_storage_json(const json& j) {
  TwinRecord t;
  t.identity.device_id = text(j, "deviceId");
  if (j.contains("moduleId") && j["moduleId"].is_string()) t.identity.module_id = j["moduleId"].get<std::string>();
  if (j.contains("tags") && j["tags"].is_object()) t.tags = j["tags"];
  if (j.contains("properties")) t.properties = TwinProperties(j["properties"]);
  t.version = j.value("version", std::int64_t{1});
  t.etag = text(j, "etag");
  t.model_id = text(j, "modelId");
  return t;
}

json policy_json(const PolicyRecord& p) {
  return json{{"keyName", p.name},
              {"primaryKey", p.keys.primary},
              {"secondaryKey", p.keys.secondary},
              {"rights", rights_to_string(p.rights)}};
}

PolicyRecord policy_from_json(const json& j) {
  PolicyRecord p;
  p.name = text(j, "keyName");
  p.keys.primary = text(j, "primaryKey");
  p.keys.secondary = text(j, "secondaryKey");
  std::vector<std::string> names;
  const std::string all = text(j, "rights");
  std::size_t start = 0;
  while (start < all.size()) {
    auto comma = all.find(',', start);
    if (comma == std::string::npos) comma = all.size();
    auto item = all.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty()) names.push_back(item);
    start = comma + 1;
  }
  p.rights = parse_rights(names).value_or(0);
  return p;
}

json configuration_json(const ConfigurationRecord& c) {
  return json{{"id", c.id},
              {"schemaVersion", c.schema_version},
              {"labels", c.labels},
              {"content", c.content},
              {"targetCondition", c.target_condition},
              {"createdTimeUtc", c.created_time},
              {"lastUpdatedTimeUtc", c.updated_time},
              {"priority", c.priority},
              {"metrics", {{"queries", c.metric_queries}, {"results", json::object()}}},
              {"etag", c.etag}};
}

ConfigurationRecord configuration_from_json(const json& j) {
  ConfigurationRecord c;
  c.id = text(j, "id");
  c.schema_version = text(j, "schemaVersion");
  if (j.contains("labels") && j["labels"].is_object()) c.labels = j["labels"];
  if (j.contains("content") && j["content"].is_object()) c.content = j["content"];
  c.target_condition = text(j, "targetCondition");
  c.created_time = text(j, "createdTimeUtc");
  c.updated_time = text(j, "lastUpdatedTimeUtc");
  if (j.contains("priority") && j["priority"].is_number_integer()) c.priority = j["priority"].get<std::int64_t>();
  c.etag = text(j, "etag");
  if (j.contains("metrics") && j["metrics"].is_object() && j["metrics"].contains("queries") &&
      j["metrics"]["queries"].is_object())
    c.metric_queries = j["metrics"]["queries"];
  return c;
}

json device_content_json(const DeviceContentRecord& c) {
  return json{{"deviceId", c.device_id},
              {"modulesContent", c.modules_content},
              {"configurations", c.configurations},
              {"deploymentHash", c.deployment_hash}};
}

DeviceContentRecord device_content_from_json(const json& j) {
  DeviceContentRecord c;
  c.device_id = text(j, "deviceId");
  if (j.contains("modulesContent") && j["modulesContent"].is_object()) c.modules_content = j["modulesContent"];
  if (j.contains("configurations") && j["configurations"].is_array())
    for (const auto& id : j["configurations"])
      if (id.is_string()) c.configurations.push_back(id.get<std::string>());
  c.deployment_hash = text(j, "deploymentHash");
  return c;
}

json properties_json(const PropertyList& list) {
  json out = json::array();
  for (const auto& p : list) out.push_back(json::array({p.name, p.value ? json(*p.value) : json(nullptr)}));
  return out;
}

PropertyList properties_from_json(const json& j) {
  PropertyList out;
  if (!j.is_array()) return out;
  for (const auto& item : j) {
    if (!item.is_array() || item.size() != 2 || !item[0].is_string()) continue;
    out.append(item[0].get<std::string>(),
               item[1].is_string() ? std::optional<std::string>(item[1].get<std::string>()) : std::nullopt);
  }
  return out;
}

json message_storage_json(const Message& m) {
  return json{{"system", properties_json(m.system)},
              {"application", properties_json(m.application)},
              {"body", base64_encode(m.body)}};
}

Message message_from_storage_json(const json& j) {
  Message m;
  if (!j.is_object()) return m;
  if (j.contains("system")) m.system = properties_from_json(j["system"]);
  if (j.contains("application")) m.application = properties_from_json(j["application"]);
  m.body = base64_decode(text(j, "body")).value_or(std::string());
  return m;
}

}  // namespace outpost::cloud

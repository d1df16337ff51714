#include "outpost/routing/edgehub_config.h"

#include <cmath>
#include <fmt/format.h>
#include <limits>

namespace outpost::routing {
namespace {

struct SchemaVersion {
  int major = 0;
  int minor = 0;
};

// .NET's System.Version: 2 to 4 dot-separated non-negative integers ("1.1", "1.1.0").
std::optional<SchemaVersion> parse_schema_version(std::string_view text) {
  std::vector<int> parts;
  std::size_t i = 0;
  while (true) {
    const std::size_t start = i;
    long value = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      value = value * 10 + (text[i] - '0');
      if (value > std::numeric_limits<int>::max()) return std::nullopt;
      ++i;
    }
    if (i == start) return std::nullopt;
    parts.push_back(static_cast<int>(value));
    if (i == text.size()) break;
    if (text[i] != '.') return std::nullopt;
    ++i;
  }
  if (parts.size() < 2 || parts.size() > 4) return std::nullopt;
  return SchemaVersion{parts[0], parts[1]};
}

// JSON Schema's pattern for route names: ^[^\.\$# ]+$
bool valid_route_name(std::string_view name) {
  return !name.empty() && name.find_first_of(".$# ") == std::string_view::npos;
}

bool is_blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

// A JSON value for an error message; never throws on invalid UTF-8.
template <typename Json>
std::string show(const Json& v) {
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

template <typename Json>
std::optional<std::int64_t> as_integer(const Json& v) {
  if (v.is_number_unsigned()) {
    const auto u = v.template get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (v.is_number_integer()) return v.template get<std::int64_t>();
  if (v.is_number_float()) {  // 7200.0 is still 7200
    const double d = v.template get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e18) return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

template <typename Json>
Result<RouteSpec> parse_route_object(const std::string& name, const Json& value) {
  RouteSpec spec;
  spec.name = name;
  const auto route = value.find("route");
  if (route == value.end() || !route->is_string())
    return make_error(fmt::format("routes.{}.route: missing (a route object needs \"route\": \"FROM ... INTO ...\")", name));
  spec.text = route->template get<std::string>();
  if (is_blank(spec.text)) return make_error(fmt::format("routes.{}.route: is empty", name));

  if (const auto p = value.find("priority"); p != value.end()) {
    const auto priority = as_integer(*p);
    const bool in_range = priority && ((*priority >= 0 && *priority <= 9) || *priority == kDefaultRoutePriority);
    if (!in_range) return make_error(fmt::format("routes.{}.priority: must be 0-9 (0 is highest), got {}", name, show(*p)));
    spec.priority = static_cast<std::uint32_t>(*priority);
  }
  if (const auto t = value.find("timeToLiveSecs"); t != value.end()) {
    const auto ttl = as_integer(*t);
    if (!ttl || *ttl < 0 || *ttl > std::numeric_limits<std::uint32_t>::max())
      return make_error(fmt::format("routes.{}.timeToLiveSecs: must be 0-4294967295 (0: the global TTL), got {}",
                                    name, show(*t)));
    spec.ttl_secs = static_cast<std::uint32_t>(*ttl);
  }
  return spec;
}

template <typename Json>
Status parse_routes(const Json& routes, const SchemaVersion& version, EdgeHubConfig& config) {
  for (const auto& item : routes.items()) {
    const std::string name = item.key();
    const auto& value = item.value();
    if (!valid_route_name(name))
      return make_error(fmt::format("routes: invalid route name '{}' (must not be empty or contain '.', '$', '#' "
                                    "or spaces)", name));
    if (value.is_string()) {
      std::string text = value.template get<std::string>();
      if (is_blank(text)) {
        // edgeHub's 1.0 parser skips blank routes; its 1.1+ parser rejects them.
        if (version.minor == 0) {
          config.notes.push_back(fmt::format("routes.{}: empty route ignored", name));
          continue;
        }
        return make_error(fmt::format("routes.{}: the route is empty", name));
      }
      config.routes.push_back(RouteSpec{name, std::move(text)});
    } else if (value.is_null() && version.minor == 0) {
      config.notes.push_back(fmt::format("routes.{}: null route ignored", name));
    } else if (value.is_object() && version.minor >= 1) {
      auto spec = parse_route_object(name, value);
      if (!spec) return Error{spec.error()};
      config.routes.push_back(std::move(spec).value());
    } else if (value.is_object()) {
      return make_error(fmt::format("routes.{}: schemaVersion 1.0 takes only route strings (use \"1.1\" for "
                                    "route objects with priority and timeToLiveSecs)", name));
    } else {
      return make_error(fmt::format("routes.{}: must be a route string{}", name,
                                    version.minor >= 1 ? " or an object {\"route\", \"priority\", \"timeToLiveSecs\"}" : ""));
    }
  }
  return {};
}

template <typename Json>
Result<StoreAndForwardConfig> parse_store_and_forward(const Json& section) {
  constexpr std::string_view kField = "storeAndForwardConfiguration";
  if (!section.is_object()) return make_error(fmt::format("{}: must be an object", kField));
  StoreAndForwardConfig config;
  const auto ttl = section.find("timeToLiveSecs");
  if (ttl == section.end())
    return make_error(fmt::format("{}.timeToLiveSecs: missing (seconds; -1 for no expiry)", kField));
  const auto ttl_value = as_integer(*ttl);
  // edgeHub reads it as a 32-bit int.
  if (!ttl_value || *ttl_value < std::numeric_limits<std::int32_t>::min() ||
      *ttl_value > std::numeric_limits<std::int32_t>::max())
    return make_error(fmt::format("{}.timeToLiveSecs: must be a 32-bit integer (negative: no expiry), got {}",
                                  kField, show(*ttl)));
  config.ttl_secs = *ttl_value;
  if (const auto limits = section.find("storeLimits"); limits != section.end() && !limits->is_null()) {
    if (!limits->is_object()) return make_error(fmt::format("{}.storeLimits: must be an object", kField));
    const auto max_size = limits->find("maxSizeBytes");
    if (max_size == limits->end())
      return make_error(fmt::format("{}.storeLimits.maxSizeBytes: missing", kField));
    const auto bytes = as_integer(*max_size);
    if (!bytes || *bytes < 0)
      return make_error(fmt::format("{}.storeLimits.maxSizeBytes: must be a non-negative integer, got {}", kField,
                                    show(*max_size)));
    config.max_size_bytes = *bytes;
  }
  return config;
}

// mqttBroker.bridges: [{"endpoint", "settings": [{"direction", "topic", "inPrefix", "outPrefix"}]}].
template <typename Json>
Result<std::vector<BridgeSpec>> parse_bridges(const Json& section) {
  if (!section.is_array()) return make_error(fmt::format("mqttBroker.bridges: must be an array, got {}", show(section)));
  std::vector<BridgeSpec> out;
  for (std::size_t i = 0; i < section.size(); ++i) {
    const auto& b = section[i];
    const auto where = fmt::format("mqttBroker.bridges[{}]", i);
    if (!b.is_object()) return make_error(fmt::format("{}: must be an object, got {}", where, show(b)));
    BridgeSpec spec;
    const auto endpoint = b.find("endpoint");
    if (endpoint == b.end() || !endpoint->is_string()) return make_error(where + ".endpoint: a string is required");
    spec.endpoint = endpoint->template get<std::string>();
    if (auto uri = bridge_server_uri(spec.endpoint); !uri) return make_error(where + ".endpoint: " + uri.error());
    const auto settings = b.find("settings");
    if (settings == b.end() || !settings->is_array() || settings->empty())
      return make_error(where + ".settings: a non-empty array is required");
    for (std::size_t k = 0; k < settings->size(); ++k) {
      const auto& s = (*settings)[k];
      const auto at = fmt::format("{}.settings[{}]", where, k);
      if (!s.is_object()) return make_error(fmt::format("{}: must be an object, got {}", at, show(s)));
      std::string fields[4];
      const char* names[4] = {"direction", "topic", "inPrefix", "outPrefix"};
      for (int f = 0; f < 4; ++f) {
        const auto v = s.find(names[f]);
        if (v == s.end() || v->is_null()) continue;
        if (!v->is_string()) return make_error(fmt::format("{}.{}: must be a string, got {}", at, names[f], show(*v)));
        fields[f] = v->template get<std::string>();
      }
      auto setting = make_bridge_setting(fields[0], fields[1], fields[2], fields[3]);
      if (!setting) return make_error(at + "." + setting.error());
      spec.settings.push_back(std::move(*setting));
    }
    out.push_back(std::move(spec));
  }
  return out;
}

template <typename Json>
Status parse_mqtt_broker(const Json& section, const SchemaVersion& version, EdgeHubConfig& config) {
  if (version.minor < 2) {
    config.notes.push_back("mqttBroker: ignored (it needs schemaVersion 1.2 or later, as in edgeHub)");
    return {};
  }
  if (section.is_null()) return {};
  if (!section.is_object())
    return make_error(fmt::format("mqttBroker: must be an object {{\"authorizations\", \"bridges\"}}, got {}",
                                  show(section)));
  for (const auto& item : section.items()) {
    if (item.key() == "authorizations") {
      auto policy = mqtt_policy::AuthorizationPolicy::parse(nlohmann::json(item.value()), "mqttBroker.authorizations");
      if (!policy) return policy.failure();
      config.mqtt_authorizations = std::move(*policy);
    } else if (item.key() == "bridges") {
      auto bridges = parse_bridges(item.value());
      if (!bridges) return bridges.failure();
      config.mqtt_bridges = std::move(*bridges);
    } else {
      config.notes.push_back(fmt::format("mqttBroker.{}: unknown property ignored", item.key()));
    }
  }
  return {};
}

template <typename Json>
Result<EdgeHubConfig> parse_desired(const Json& desired) {
  if (!desired.is_object()) return make_error("$edgeHub desired properties: must be a JSON object");
  EdgeHubConfig config;

  const auto schema = desired.find("schemaVersion");
  if (schema == desired.end()) return make_error("schemaVersion: missing (expected \"1.0\" to \"1.3\")");
  if (!schema->is_string()) return make_error(fmt::format("schemaVersion: must be a string such as \"1.1\", got {}", show(*schema)));
  config.schema_version = schema->template get<std::string>();
  const auto version = parse_schema_version(config.schema_version);
  if (!version) return make_error(fmt::format("schemaVersion: '{}' is not a version such as \"1.1\"", config.schema_version));
  if (version->major != 1 || version->minor > 3)
    return make_error(fmt::format("schemaVersion: unsupported version '{}' (supported: 1.0 to 1.3)", config.schema_version));

  const auto routes = desired.find("routes");
  if (routes == desired.end()) return make_error("routes: missing (use {} for no routes)");
  if (!routes->is_object()) return make_error("routes: must be an object of named routes");
  if (auto parsed = parse_routes(*routes, *version, config); !parsed) return Error{parsed.error()};

  const auto store = desired.find("storeAndForwardConfiguration");
  if (store == desired.end()) return make_error("storeAndForwardConfiguration: missing");
  auto store_config = parse_store_and_forward(*store);
  if (!store_config) return Error{store_config.error()};
  config.store_and_forward = store_config.value();

  for (const auto& item : desired.items()) {
    const std::string& key = item.key();
    if (key == "schemaVersion" || key == "routes" || key == "storeAndForwardConfiguration" || key == "$version" ||
        key == "$metadata")
      continue;
    if (key == "mqttBroker") {
      if (auto parsed = parse_mqtt_broker(item.value(), *version, config); !parsed) return parsed.failure();
    } else if (key == "integrity")
      config.notes.push_back("integrity: ignored (manifest signatures are not verified)");
    else
      config.notes.push_back(fmt::format("{}: unknown property ignored", key));
  }

  auto table = RouteTable::compile(config.routes);
  if (!table) return Error{table.error()};
  config.route_table = std::move(table).value();
  return config;
}

}  // namespace

Result<EdgeHubConfig> parse_edgehub_desired(const nlohmann::ordered_json& desired) { return parse_desired(desired); }

Result<EdgeHubConfig> parse_edgehub_desired(const nlohmann::json& desired) { return parse_desired(desired); }

Result<EdgeHubConfig> parse_edgehub_desired(std::string_view json_text) {
  nlohmann::ordered_json desired;
  try {
    desired = nlohmann::ordered_json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    return make_error(fmt::format("$edgeHub desired properties: invalid JSON: {}", e.what()));
  }
  return parse_desired(desired);
}

}  // namespace outpost::routing

// Fuzz target: the other parsers of outpost-cloud that see untrusted input — deployment
// modulesContent (JSON), ISO 8601 times (?from=, iothub-expiry), MQTT on-behalf-of auth
// chains and edge device scopes. Errors are values; nothing may crash or throw.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "deployments.h"
#include "device_auth.h"
#include "ids.h"
#include "time_text.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace outpost::cloud;
  const std::string input(reinterpret_cast<const char*>(data), size);

  const auto json = nlohmann::json::parse(input, nullptr, false);
  if (!json.is_discarded()) {
    if (auto content = parse_modules_content(json)) {
      std::map<std::string, nlohmann::json> desired;
      apply_layer(desired, *content);
      apply_layer(desired, *content);
    }
  }
  if (const auto ms = outpost::parse_iso8601_ms(input)) {
    if (!outpost::parse_iso8601_ms(format_iso8601_ms(*ms))) std::abort();
  }
  (void)scope_device_id(input);
  (void)validate_identity_id(input, "id");
  (void)validate_configuration_id(input);
  (void)unquote_etag(input);

  // An auth chain against a tiny registry: edge1 <- leaf1, edge1 has module modA.
  IdentityLookup lookup;
  lookup.device = [](const std::string& id) -> std::optional<DeviceRecord> {
    if (id != "edge1" && id != "leaf1") return std::nullopt;
    DeviceRecord d;
    d.device_id = id;
    d.iot_edge = id == "edge1";
    return d;
  };
  lookup.module = [](const std::string& d, const std::string& m) -> std::optional<ModuleRecord> {
    if (d != "edge1" || (m != "modA" && m != "$edgeHub")) return std::nullopt;
    ModuleRecord r;
    r.device_id = d;
    r.module_id = m;
    return r;
  };
  lookup.policy = [](const std::string&) { return std::optional<PolicyRecord>{}; };
  lookup.parent_of = [](const DeviceRecord& d) -> std::optional<std::string> {
    if (d.device_id == "leaf1") return std::string("edge1");
    return std::nullopt;
  };
  const auto semi = input.find(';');
  const auto first = input.substr(0, semi);
  const auto slash = first.find('/');
  const outpost::iothub::Identity target{first.substr(0, slash),
                                         slash == std::string::npos ? std::nullopt : std::optional(first.substr(slash + 1))};
  const auto check = check_auth_chain(input, target, lookup);
  if (check.acting_edge && *check.acting_edge != "edge1") std::abort();
  return 0;
}

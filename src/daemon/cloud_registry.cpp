#include "cloud_registry.h"

#include <ctime>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "outpost/core/encoding.h"
#include "outpost/core/json.h"
#include "outpost/core/sas_token.h"
#include "outpost/net/http_fetch.h"

namespace outpost::daemon {

using nlohmann::json;

namespace {

constexpr const char* kApiVersion = "2021-04-12";

std::string cloud_message(const net::HttpClientResponse& reply) {
  const auto parsed = parse_json(reply.body);
  if (parsed && parsed->is_object())
    for (const auto* key : {"Message", "message"})
      if ((*parsed)[key].is_string()) return (*parsed)[key].get<std::string>();
  return fmt::format("HTTP {}", reply.status);
}

}  // namespace

CloudRegistry::CloudRegistry(CloudRegistrySettings settings, const KeyStore& keys)
    : settings_(std::move(settings)), keys_(keys) {}

std::string CloudRegistry::module_url(const std::string& module_id) const {
  return fmt::format("{}/devices/{}/modules/{}?api-version={}", settings_.api_base, url_encode(settings_.device_id),
                     url_encode(module_id), kApiVersion);
}

// X.509: the client certificate is the credential, no header; SAS: a token of the device.
net::Headers CloudRegistry::credentials() const {
  if (!settings_.client_cert_file.empty()) return {};
  const auto expiry = static_cast<std::int64_t>(std::time(nullptr)) + 3600;
  return {{"Authorization",
           build_sas_token(settings_.hostname + "/devices/" + settings_.device_id, settings_.device_key, expiry).value_or("")}};
}

net::HttpClientOptions CloudRegistry::fetch_options() const {
  net::HttpClientOptions options;
  options.ca_file = settings_.ca_file;
  options.timeout = settings_.timeout;
  options.client_cert_file = settings_.client_cert_file;
  options.client_key_file = settings_.client_key_file;
  return options;
}

Result<std::string> CloudRegistry::ensure_module(const std::string& module_id, const std::string& managed_by) {
  const auto options = fetch_options();
  auto headers = credentials();
  headers.emplace_back("Content-Type", "application/json");
  const auto fail = [&](const std::string& what) {
    return make_error(ErrorKind::unavailable, fmt::format("cloud registry: module '{}': {}", module_id, what));
  };
  auto got = net::fetch("GET", module_url(module_id), headers, {}, options);
  if (!got) return fail(got.error());
  json module;
  if (got->status == 404) {
    const json create{{"deviceId", settings_.device_id}, {"moduleId", module_id}, {"managedBy", managed_by}};
    auto created = net::fetch("PUT", module_url(module_id), headers, create.dump(), options);
    if (!created) return fail(created.error());
    if (created->status != 200 && created->status != 201) return fail("create: " + cloud_message(*created));
    got = std::move(created);
  } else if (got->status != 200) {
    return fail(cloud_message(*got));
  }
  auto parsed = parse_json(got->body);
  if (!parsed || !parsed->is_object() || !(*parsed)["generationId"].is_string()) return fail("the cloud's answer has no generationId");
  module = std::move(*parsed);
  const auto generation = module["generationId"].get<std::string>();
  const auto primary = keys_.module_key(module_id, generation, KeySlot::primary);
  const auto secondary = keys_.module_key(module_id, generation, KeySlot::secondary);
  const auto& current = object_field(object_field(module, "authentication"), "symmetricKey");
  if (string_field(current, "primaryKey") == primary && string_field(current, "secondaryKey") == secondary) return generation;
  const json update{{"deviceId", settings_.device_id},
                    {"moduleId", module_id},
                    {"managedBy", string_field(module, "managedBy", managed_by)},
                    {"authentication", {{"type", "sas"}, {"symmetricKey", {{"primaryKey", primary}, {"secondaryKey", secondary}}}}}};
  auto update_headers = headers;
  update_headers.emplace_back("If-Match", "*");
  auto updated = net::fetch("PUT", module_url(module_id), update_headers, update.dump(), options);
  if (!updated) return fail(updated.error());
  if (updated->status != 200) return fail("setting its keys: " + cloud_message(*updated));
  spdlog::info("cloud registry: module '{}' (generation {}) has its derived keys", module_id, generation);
  return generation;
}

Status CloudRegistry::delete_module(const std::string& module_id) {
  const auto options = fetch_options();
  auto headers = credentials();
  headers.emplace_back("If-Match", "*");
  auto reply = net::fetch("DELETE", module_url(module_id), headers, {}, options);
  if (!reply) return make_error(ErrorKind::unavailable, "cloud registry: delete '" + module_id + "': " + reply.error());
  if (reply->status == 204 || reply->status == 200 || reply->status == 404) return {};
  return make_error(ErrorKind::unavailable, "cloud registry: delete '" + module_id + "': " + cloud_message(*reply));
}

}  // namespace outpost::daemon

#include "twin_service.h"

#include <spdlog/spdlog.h>

#include "outpost/core/json.h"

namespace outpost::hub {

namespace {
constexpr std::string_view kTwinNamespace = "twins";
}

Result<TwinProperties*> TwinService::load(const iothub::Identity& identity) {
  const auto key = identity.id();
  auto it = cache_.find(key);
  if (it != cache_.end()) return &it->second;
  const auto stored = kv_.get(kTwinNamespace, key);
  if (!stored) {
    spdlog::error("hub: the twin of '{}' cannot be read: {}", key, stored.error());
    return make_error(stored.error_kind(), "the hub's state database cannot be read");
  }
  TwinProperties twin;
  if (*stored) {
    // Stored by an older version, or damaged: never let it take the hub down.
    auto doc = parse_json(**stored);
    if (!doc) spdlog::error("hub: stored twin of '{}' is {}; starting it empty", key, doc.error());
    else twin = TwinProperties(*doc);
  }
  return &cache_.emplace(key, std::move(twin)).first->second;
}

Status TwinService::save(const iothub::Identity& identity, const TwinProperties& twin) {
  return kv_.put(kTwinNamespace, identity.id(), twin.to_json().dump());
}

const TwinProperties& TwinService::get(const iothub::Identity& identity) {
  static const TwinProperties kUnreadable;  // logged by load(); shown empty, never saved
  const auto loaded = load(identity);
  return loaded ? **loaded : kUnreadable;
}

Result<const TwinProperties*> TwinService::modify(const iothub::Identity& identity,
                                                 const std::function<Status(TwinProperties&)>& change) {
  const auto loaded = load(identity);
  if (!loaded) return loaded.failure();
  auto& twin = **loaded;
  TwinProperties candidate = twin;
  if (auto s = change(candidate); !s) return s.failure();
  if (auto s = save(identity, candidate); !s) return s.failure();
  twin = std::move(candidate);
  return &twin;
}

Result<std::int64_t> TwinService::patch_reported(const iothub::Identity& identity, const nlohmann::json& patch) {
  const auto twin = modify(identity, [&](TwinProperties& t) { return t.apply_reported_patch(patch); });
  if (!twin) return twin.failure();
  return (*twin)->reported_version();
}

Result<std::int64_t> TwinService::patch_desired(const iothub::Identity& identity, const nlohmann::json& patch) {
  const auto twin = modify(identity, [&](TwinProperties& t) { return t.apply_desired_patch(patch); });
  if (!twin) return twin.failure();
  return (*twin)->desired_version();
}

Result<std::int64_t> TwinService::replace_desired(const iothub::Identity& identity, const nlohmann::json& desired) {
  const auto twin = modify(identity, [&](TwinProperties& t) { return t.replace_desired(desired); });
  if (!twin) return twin.failure();
  return (*twin)->desired_version();
}

std::optional<nlohmann::json> TwinService::take_cloud_twin(const iothub::Identity& identity,
                                                           const nlohmann::json& twin) {
  const auto properties = twin.contains("properties") ? twin["properties"] : twin;  // service or device shape
  if (!properties.is_object() || !properties.contains("desired") || !properties["desired"].is_object())
    return std::nullopt;
  auto desired = properties["desired"];
  const auto version = integer_field(desired, "$version", 0);
  const auto loaded = load(identity);
  if (!loaded) return std::nullopt;  // logged; the next fetch after a reconnect tries again
  auto& local = **loaded;
  if (version == local.desired_version() && merge_diff(local.desired(), desired).size() <= 1) return std::nullopt;
  auto before = local.desired();
  before.erase("$version");
  local.set_desired(desired, version);
  if (auto s = save(identity, local); !s) spdlog::error("hub: cannot persist the twin of '{}': {}", identity.id(), s.error());
  desired.erase("$version");
  desired.erase("$metadata");
  auto diff = merge_diff(before, desired);
  diff["$version"] = version;
  return diff;
}

void TwinService::take_cloud_desired_patch(const iothub::Identity& identity, const nlohmann::json& patch,
                                           std::int64_t version) {
  const auto loaded = load(identity);
  if (!loaded) return;  // logged; the full twin fetched after the next reconnect repairs it
  auto& local = **loaded;
  auto desired = local.desired();
  desired.erase("$version");
  auto cleaned = patch;
  cleaned.erase("$version");
  merge_patch(desired, cleaned);
  local.set_desired(desired, version);
  if (auto s = save(identity, local); !s) spdlog::error("hub: cannot persist the twin of '{}': {}", identity.id(), s.error());
}

}  // namespace outpost::hub

#include "scope_cache.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "outpost/core/crypto.h"
#include "outpost/core/encoding.h"
#include "outpost/core/json.h"
#include "outpost/core/sas_token.h"

namespace outpost::hub {

namespace {
constexpr std::string_view kScopeNamespace = "scope";
constexpr std::string_view kKey = "identities";
}  // namespace

ScopeCache::ScopeCache(net::EventLoop& loop, kv::KvDatabase& kv, ScopeCacheSettings settings, const Clock& clock,
                       OnUpdate on_update)
    : loop_(loop),
      kv_(kv),
      settings_(std::move(settings)),
      clock_(clock),
      on_update_(std::move(on_update)),
      timer_(loop.make_timer()),
      deferred_timer_(loop.make_timer()) {}

ScopeCache::~ScopeCache() {
  *alive_ = false;
  if (worker_.joinable()) worker_.join();
}

Result<std::string> ScopeCache::cache_key() {
  // A key only this edge hub can derive: its own shared key, bound to this purpose.
  if (cache_key_.empty()) {
    auto signature = settings_.sign("outpost device-scope cache v1");
    if (!signature) return make_error("$edgeHub's key cannot sign: " + signature.error());
    auto raw = base64_decode(*signature);
    if (!raw) return make_error("$edgeHub's signer answered no base64");
    cache_key_ = std::move(*raw);
  }
  return cache_key_;
}

nlohmann::json ScopeCache::to_identity_list(const nlohmann::json& devices, const nlohmann::json& modules) {
  nlohmann::json list = nlohmann::json::array();
  const auto add = [&](const nlohmann::json& doc, bool module) {
    if (!doc.is_object() || !doc.contains("deviceId") || !doc["deviceId"].is_string()) return;
    if (doc.value("status", std::string("enabled")) != "enabled") return;  // disabled: refused
    const auto& auth = doc.contains("authentication") ? doc["authentication"] : nlohmann::json();
    if (!auth.is_object()) return;
    nlohmann::json entry{{"deviceId", doc["deviceId"]}};
    const auto type = auth.value("type", std::string("sas"));
    // A non-empty string field of `object`, copied to `entry[as]`; false when absent.
    const auto copy = [&entry](const nlohmann::json& object, const char* key, const char* as) {
      if (!object.is_object() || !object.contains(key) || !object[key].is_string() ||
          object[key].get_ref<const std::string&>().empty())
        return false;
      entry[as] = object[key];
      return true;
    };
    if (type == "selfSigned") {  // X.509 by thumbprint
      const auto& thumbprints = auth.contains("x509Thumbprint") ? auth["x509Thumbprint"] : nlohmann::json();
      if (!copy(thumbprints, "primaryThumbprint", "primaryThumbprint") &&
          !copy(thumbprints, "secondaryThumbprint", "primaryThumbprint"))
        return;
      copy(thumbprints, "secondaryThumbprint", "secondaryThumbprint");
    } else if (type == "certificateAuthority") {
      if (module) return;  // devices only, as in IoT Hub
      entry["certificateAuthority"] = true;
    } else {
      const auto& keys = auth.contains("symmetricKey") ? auth["symmetricKey"] : nlohmann::json();
      if (!copy(keys, "primaryKey", "primaryKey")) return;  // not a SAS identity
      copy(keys, "secondaryKey", "secondaryKey");
    }
    if (module) {
      if (!doc.contains("moduleId") || !doc["moduleId"].is_string()) return;
      entry["moduleId"] = doc["moduleId"];
    }
    list.push_back(std::move(entry));
  };
  if (devices.is_array())
    for (const auto& d : devices) add(d, false);
  if (modules.is_array())
    for (const auto& m : modules) add(m, true);
  return list;
}

void ScopeCache::start() {
  const auto stored = kv_.get(kScopeNamespace, kKey);
  if (!stored) spdlog::error("hub: the cached device scope cannot be read: {}; waiting for the cloud", stored.error());
  const auto key = cache_key();
  if (!key) spdlog::error("hub: the cached device scope cannot be read: {}", key.error());
  if (const auto sealed = stored && key ? *stored : std::nullopt) {
    const auto plain = unseal(*key, *sealed);
    auto parsed = plain ? parse_json(*plain) : Result<nlohmann::json>(make_error("sealed by another key"));
    if (parsed && parsed->is_array()) apply(*parsed, false);
    else spdlog::warn("hub: the cached device scope cannot be read (other key or damaged); waiting for the cloud");
  }
  refresh_soon();
}

void ScopeCache::refresh_soon() {
  const auto now = std::chrono::steady_clock::now();
  if (fetching_) {  // the fetch under way may predate what is asked for: one more after it
    deferred_ = true;
    return;
  }
  if (last_fetch_ != std::chrono::steady_clock::time_point{} && now - last_fetch_ < settings_.min_refresh_gap) {
    if (!deferred_) {
      deferred_ = true;
      const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(settings_.min_refresh_gap - (now - last_fetch_));
      deferred_timer_->start(wait + std::chrono::milliseconds(1), [this] {
        deferred_ = false;
        refresh_soon();
      });
    }
    return;
  }
  deferred_ = false;
  last_fetch_ = now;
  fetching_ = true;
  if (worker_.joinable()) worker_.join();
  worker_ = std::thread([this] { fetch_in_background(); });
}

void ScopeCache::fetch_in_background() {
  // Blocking HTTP on its own thread; the result goes back to the loop.
  const auto audience = device_resource_uri(settings_.hostname, settings_.edge_device_id, "$edgeHub");
  const auto token = build_sas_token(audience, settings_.sign, clock_.unix_seconds() + 600);
  const auto url = fmt::format("{}/devices/{}/modules/%24edgeHub/devicesAndModulesInTargetDeviceScope?api-version=2020-06-30-preview",
                               settings_.api_base, url_encode(settings_.edge_device_id));
  nlohmann::json devices = nlohmann::json::array(), modules = nlohmann::json::array();
  nlohmann::json continuation = nullptr;
  std::string error;
  net::HttpClientOptions options;
  options.ca_file = settings_.ca_file;
  options.timeout = std::chrono::seconds(20);
  options.unix_socket = settings_.unix_socket;
  for (int page = 0; page < 1000 && token; ++page) {
    const nlohmann::json body{{"pageSize", 1000}, {"continuationLink", continuation}, {"authChain", settings_.edge_device_id}};
    auto r = settings_.fetch("POST", url, {{"Authorization", *token}, {"Content-Type", "application/json"}},
                             body.dump(), options);
    if (!r) {
      error = r.error();
      break;
    }
    if (r->status != 200) {
      error = fmt::format("status {}: {}", r->status, r->body.substr(0, 200));
      break;
    }
    auto parsed = parse_json(r->body);
    if (!parsed || !parsed->is_object()) {
      error = parsed ? "the answer is not a JSON object" : "the answer is " + parsed.error();
      break;
    }
    const auto& doc = *parsed;
    for (const auto* key : {"devices", "modules"})
      if (doc.contains(key) && doc[key].is_array())
        for (const auto& item : doc[key]) (std::string(key) == "devices" ? devices : modules).push_back(item);
    continuation = doc.value("continuationLink", nlohmann::json());
    if (continuation.is_null() || (continuation.is_string() && continuation.get<std::string>().empty())) break;
  }
  if (!token) error = token.error();
  auto list = error.empty() ? to_identity_list(devices, modules) : nlohmann::json();
  loop_.post([this, alive = alive_, list = std::move(list), error] {
    if (!*alive) return;
    fetching_ = false;
    if (!error.empty()) {
      spdlog::info("hub: device scope not refreshed ({}); authenticating from the cache", error);
    } else {
      apply(list, true);
    }
    timer_->start(std::chrono::duration_cast<std::chrono::milliseconds>(settings_.refresh_interval),
                  [this] { refresh_soon(); });
    if (deferred_) {
      deferred_ = false;
      refresh_soon();  // rate-limited: deferred again until the gap ends
    }
  });
}

void ScopeCache::apply(const nlohmann::json& list, bool from_cloud) {
  auto registry = IdentityRegistry::from_json(list, "device scope");
  if (!registry) {
    spdlog::warn("hub: device scope refused: {}", registry.error());
    return;
  }
  if (from_cloud) {
    const auto key = cache_key();
    if (!key) spdlog::error("hub: cannot cache the device scope: {}", key.error());
    else if (auto s = kv_.put(kScopeNamespace, kKey, seal(*key, list.dump())); !s)
      spdlog::error("hub: cannot cache the device scope: {}", s.error());
  }
  spdlog::info("hub: device scope: {} identities ({})", registry->size(),
               from_cloud ? "from " + settings_.authority : std::string("cached"));
  on_update_(*registry);
}

}  // namespace outpost::hub

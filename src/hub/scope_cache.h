// Offline authentication: the identities in this edge device's scope (its modules, its leaf
// devices, with their keys) fetched from the cloud's device-scope API, kept in state.db
// encrypted (AES-256-GCM, key derived from $edgeHub's key through its signer), and refreshed hourly or when an
// unknown identity knocks. While the cloud is away the hub authenticates from the cache.
#pragma once
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include <nlohmann/json.hpp>

#include "identity_registry.h"
#include "outpost/core/clock.h"
#include "outpost/core/sas_token.h"
#include "outpost/kv/kv_database.h"
#include "outpost/net/event_loop.h"
#include "outpost/net/http_fetch.h"

namespace outpost::hub {

struct ScopeCacheSettings {
  std::string api_base;  // "https://cloud.example" (no trailing slash)
  std::string authority = "the cloud";  // who answers, for the log ("outpostd" on a device with no cloud)
  std::string ca_file;
  std::string hostname;
  std::string edge_device_id;
  std::string unix_socket;  // when set, api_base is reached over this socket (outpostd's management API)
  KeySigner sign;           // as $edgeHub (thread-safe: called on the worker and on the loop)
  std::chrono::seconds refresh_interval{3600};
  // At most one fetch per gap; an unknown identity asking within it is served by a fetch when
  // the gap ends (a module the agent just created connects within seconds, not a minute).
  std::chrono::seconds min_refresh_gap{5};
  // Makes the HTTP request, on the worker thread: net::fetch, or a stand-in in tests.
  std::function<Result<net::HttpClientResponse>(std::string_view method, const std::string& url,
                                                const net::Headers& headers, std::string_view body,
                                                const net::HttpClientOptions& options)>
      fetch = &net::fetch;
};

class ScopeCache {
 public:
  using OnUpdate = std::function<void(const IdentityRegistry&)>;
  // `clock` sets the expiry of the SAS token the fetch sends.
  ScopeCache(net::EventLoop& loop, kv::KvDatabase& kv, ScopeCacheSettings settings, const Clock& clock,
             OnUpdate on_update);
  ~ScopeCache();

  void start();         // loads the cache, then fetches from the cloud
  void refresh_soon();  // at once, or when min_refresh_gap since the last fetch has passed

  // The device-scope API's answer ({"devices":[...],"modules":[...]}) as identity entries.
  static nlohmann::json to_identity_list(const nlohmann::json& devices, const nlohmann::json& modules);

 private:
  void fetch_in_background();
  void apply(const nlohmann::json& list, bool from_cloud);
  // Derived by $edgeHub's signer once it answers; an error while it does not.
  Result<std::string> cache_key();

  net::EventLoop& loop_;
  kv::KvDatabase& kv_;
  ScopeCacheSettings settings_;
  const Clock& clock_;
  OnUpdate on_update_;
  std::unique_ptr<net::Timer> timer_;         // the periodic refresh
  std::unique_ptr<net::Timer> deferred_timer_;  // a refresh asked for within the gap
  bool deferred_ = false;                       // one is due (when the gap or the fetch ends)
  std::thread worker_;
  std::atomic<bool> fetching_{false};
  std::chrono::steady_clock::time_point last_fetch_{};
  std::string cache_key_;
  std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);
};

}  // namespace outpost::hub

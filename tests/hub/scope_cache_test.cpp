// Offline authentication from the device scope (src/hub/scope_cache.cpp): the cloud's
// device-scope API is a stand-in fetch (no network), the answer is sealed into the state
// database, and a hub that starts while the cloud is away authenticates from that cache.
#include "scope_cache.h"

#include <gtest/gtest.h>

#include <mutex>

#include "hub/hub_test_util.h"
#include "outpost/core/sas_token.h"

namespace outpost::hub::testing {
namespace {

using nlohmann::json;

const std::string kEdgeHubKey = test_key('e');

json device(const std::string& id, const std::string& key, const std::string& status = "enabled") {
  return {{"deviceId", id}, {"status", status}, {"authentication", {{"symmetricKey", {{"primaryKey", key}}}}}};
}

json module(const std::string& device_id, const std::string& id, const std::string& key) {
  auto doc = device(device_id, key);
  doc["moduleId"] = id;
  return doc;
}

// The cloud's device-scope API: answers in pages, records what it was asked. Shared with
// the fetch function by pointer, because the fetch runs on the cache's worker thread.
class FakeScopeApi {
 public:
  struct Request {
    std::string url;
    net::Headers headers;
    json body;
  };

  void answer(std::vector<json> pages) {
    std::lock_guard lock(mutex_);
    pages_ = std::move(pages);
    status_ = 200;
  }
  void fail(long status) {
    std::lock_guard lock(mutex_);
    status_ = status;
  }
  std::vector<Request> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

  static decltype(ScopeCacheSettings::fetch) fetch_of(const std::shared_ptr<FakeScopeApi>& api) {
    return [api](std::string_view method, const std::string& url, const net::Headers& headers, std::string_view body,
                 const net::HttpClientOptions&) -> Result<net::HttpClientResponse> {
      std::lock_guard lock(api->mutex_);
      EXPECT_EQ(method, "POST");
      const auto request = json::parse(body, nullptr, false);
      const auto page = api->requests_.size() % std::max<std::size_t>(api->pages_.size(), 1);
      api->requests_.push_back({url, headers, request});
      if (api->status_ == 0) return make_error("connection refused (the cloud is away)");
      if (api->status_ != 200) return net::HttpClientResponse{api->status_, R"({"message":"busy"})", {}};
      return net::HttpClientResponse{200, api->pages_.empty() ? "{}" : api->pages_[page].dump(), {}};
    };
  }

 private:
  mutable std::mutex mutex_;
  std::vector<json> pages_;
  long status_ = 0;  // 0: unreachable
  std::vector<Request> requests_;
};

class ScopeCacheTest : public ::testing::Test {
 protected:
  ScopeCacheTest() : kv_(open_test_kv(dir_.path() / "state.db")) {}

  std::unique_ptr<ScopeCache> make_cache(const std::string& edgehub_key = kEdgeHubKey) {
    ScopeCacheSettings s;
    s.api_base = "https://cloud.test";
    s.hostname = kHostname;
    s.edge_device_id = kEdgeDevice;
    s.sign = local_key_signer(edgehub_key);
    s.fetch = FakeScopeApi::fetch_of(cloud_);
    return std::make_unique<ScopeCache>(loop_, *kv_, s, clock_, [this](const IdentityRegistry& r) {
      updates_.push_back(r);
    });
  }

  // Starts `cache` and waits until `updates_expected` scope updates have arrived.
  ::testing::AssertionResult start_and_wait(ScopeCache& cache, std::size_t updates_expected) {
    cache.start();
    if (poll_until(loop_, [&] { return updates_.size() >= updates_expected; })) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "got " << updates_.size() << " scope updates, expected "
                                         << updates_expected;
  }

  TempDir dir_;
  ManualClock clock_;
  net::EventLoop loop_;
  std::unique_ptr<kv::KvDatabase> kv_;
  std::shared_ptr<FakeScopeApi> cloud_ = std::make_shared<FakeScopeApi>();
  std::vector<IdentityRegistry> updates_;
};

TEST(ScopeCacheIdentityList, KeepsEnabledSasIdentitiesOnly) {
  const auto list = ScopeCache::to_identity_list(
      json::array({device("leaf1", test_key('l')), device("off", test_key('o'), "disabled"),
                   json{{"deviceId", "x509"}, {"authentication", {{"x509Thumbprint", {}}}}}, json("not an object")}),
      json::array({module("edge1", "A", test_key('a')), device("edge1", test_key('n'))}));
  EXPECT_EQ(list, json::parse(R"([{"deviceId":"leaf1","primaryKey":")" + test_key('l') +
                              R"("},{"deviceId":"edge1","moduleId":"A","primaryKey":")" + test_key('a') + R"("}])"));
}

TEST(ScopeCacheIdentityList, KeepsX509IdentitiesWithTheirThumbprintsOrCa) {
  const auto list = ScopeCache::to_identity_list(
      json::array({json{{"deviceId", "thermostat"},
                        {"authentication", {{"type", "selfSigned"},
                                            {"x509Thumbprint", {{"primaryThumbprint", "AB"}, {"secondaryThumbprint", ""}}}}}},
                   json{{"deviceId", "camera"}, {"authentication", {{"type", "certificateAuthority"}}}},
                   json{{"deviceId", "nothumb"}, {"authentication", {{"type", "selfSigned"}, {"x509Thumbprint", {}}}}}}),
      json::array({json{{"deviceId", "edge1"}, {"moduleId", "ca"}, {"authentication", {{"type", "certificateAuthority"}}}}}));
  EXPECT_EQ(list, json::parse(R"([{"deviceId":"thermostat","primaryThumbprint":"AB"},
                                  {"deviceId":"camera","certificateAuthority":true}])"))
      << "no thumbprint: nothing to check; certificateAuthority is for devices only";
  EXPECT_TRUE(IdentityRegistry::from_json(list, "scope")) << "the hub reads what it wrote";
}

TEST_F(ScopeCacheTest, FetchesTheScopeAsEdgeHubWithATokenFromTheClock) {
  cloud_->answer({json{{"devices", {device("leaf1", test_key('l'))}}, {"modules", {module("edge1", "A", test_key('a'))}}}});
  auto cache = make_cache();
  ASSERT_TRUE(start_and_wait(*cache, 1));
  EXPECT_EQ(updates_[0].size(), 2u);
  ASSERT_NE(updates_[0].keys({"leaf1", std::nullopt}), nullptr);
  const auto requests = cloud_->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].url,
            "https://cloud.test/devices/edge1/modules/%24edgeHub/devicesAndModulesInTargetDeviceScope"
            "?api-version=2020-06-30-preview");
  EXPECT_EQ(requests[0].body["authChain"], "edge1");
  std::string authorization;
  for (const auto& [k, v] : requests[0].headers)
    if (k == "Authorization") authorization = v;
  const auto token = parse_sas_token(authorization);
  ASSERT_TRUE(token) << authorization;
  EXPECT_EQ(token->expiry, clock_.unix_seconds() + 600);
  const SasAudience audience{{kHostname}, kEdgeDevice, std::string("$edgeHub")};
  EXPECT_TRUE(verify_sas_token(*token, SasKeys{kEdgeHubKey, ""}, &audience, clock_.unix_seconds()).ok());
}

TEST_F(ScopeCacheTest, FollowsContinuationLinksAcrossPages) {
  cloud_->answer({json{{"devices", {device("leaf1", test_key('l'))}}, {"continuationLink", "page2"}},
                  json{{"devices", {device("leaf2", test_key('m'))}}, {"continuationLink", nullptr}}});
  auto cache = make_cache();
  ASSERT_TRUE(start_and_wait(*cache, 1));
  EXPECT_EQ(updates_[0].size(), 2u);
  const auto requests = cloud_->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_TRUE(requests[0].body["continuationLink"].is_null());
  EXPECT_EQ(requests[1].body["continuationLink"], "page2");
}

TEST_F(ScopeCacheTest, AHubStartingOfflineAuthenticatesFromTheSealedCache) {
  cloud_->answer({json{{"devices", {device("leaf1", test_key('l'))}}}});
  {
    auto online = make_cache();
    ASSERT_TRUE(start_and_wait(*online, 1));
  }
  const auto sealed = kv_->get("scope", "identities").value_or(std::nullopt);
  ASSERT_TRUE(sealed);
  EXPECT_EQ(sealed->find(test_key('l')), std::string::npos) << "keys must not be stored in the clear";
  EXPECT_EQ(sealed->find("leaf1"), std::string::npos);

  cloud_->fail(0);  // the cloud is away
  updates_.clear();
  auto offline = make_cache();
  offline->start();
  ASSERT_EQ(updates_.size(), 1u) << "the cache is read at start, before any fetch";
  ASSERT_NE(updates_[0].keys({"leaf1", std::nullopt}), nullptr);
  EXPECT_EQ(updates_[0].keys({"leaf1", std::nullopt})->primary, test_key('l'));
}

TEST_F(ScopeCacheTest, ACacheSealedWithAnotherKeyIsNotUsed) {
  cloud_->answer({json{{"devices", {device("leaf1", test_key('l'))}}}});
  {
    auto online = make_cache();
    ASSERT_TRUE(start_and_wait(*online, 1));
  }
  cloud_->fail(0);
  updates_.clear();
  make_cache(test_key('f'))->start();
  EXPECT_TRUE(updates_.empty()) << "another $edgeHub key cannot unseal the cache";
}

TEST_F(ScopeCacheTest, ACloudErrorKeepsTheCachedScope) {
  cloud_->answer({json{{"devices", {device("leaf1", test_key('l'))}}}});
  {
    auto online = make_cache();
    ASSERT_TRUE(start_and_wait(*online, 1));
  }
  const auto before = kv_->get("scope", "identities").value_or(std::nullopt);
  cloud_->fail(503);
  updates_.clear();
  auto cache = make_cache();
  cache->start();
  ASSERT_TRUE(poll_until(loop_, [&] { return cloud_->requests().size() == 2; }));
  EXPECT_EQ(updates_.size(), 1u) << "only the cached scope";
  EXPECT_EQ(kv_->get("scope", "identities").value_or(std::nullopt), before);
}

// The hub with a device scope: identities from the cloud authenticate, the identities file
// still wins, and an unknown identity makes the hub ask the cloud again.
class EdgeHubScopeTest : public EdgeHubTest {
 protected:
  void enable_scope(std::chrono::seconds min_refresh_gap = std::chrono::seconds(0)) {
    ScopeCacheSettings s;
    s.api_base = "https://cloud.test";
    s.hostname = kHostname;
    s.edge_device_id = kEdgeDevice;
    s.sign = local_key_signer(kEdgeHubKey);
    s.min_refresh_gap = min_refresh_gap;
    s.fetch = FakeScopeApi::fetch_of(cloud_);
    hub_->enable_scope_cache(std::move(s));
    hub_->start();
  }
  bool can_connect(const TestIdentity& who, std::optional<std::string> key = std::nullopt) {
    auto c = FakeConnection::make(hub_.get());
    return c->connect(connect_packet(who, clock_.unix_seconds() + 60, true, kHostname, std::move(key))).code ==
           mqtt::ConnectReturnCode::accepted;
  }
  std::shared_ptr<FakeScopeApi> cloud_ = std::make_shared<FakeScopeApi>();
};

TEST_F(EdgeHubScopeTest, IdentitiesFromTheCloudAuthenticateAndTheFileWins) {
  const TestIdentity leaf3{{"leaf3", std::nullopt}, test_key('3')};
  cloud_->answer({json{{"devices", {device("leaf3", leaf3.key)}}, {"modules", {module("edge1", "A", test_key('q'))}}}});
  enable_scope();
  ASSERT_TRUE(poll_until(loop_, [&] { return can_connect(leaf3); })) << "leaf3 from the device scope never authenticated";
  EXPECT_TRUE(can_connect(kModuleA)) << "the identities file's key for A still holds";
  EXPECT_FALSE(can_connect(kModuleA, test_key('q')));
}

TEST_F(EdgeHubScopeTest, AnUnknownIdentityMakesTheHubAskTheCloudAgain) {
  const TestIdentity leaf3{{"leaf3", std::nullopt}, test_key('3')};
  const TestIdentity leaf4{{"leaf4", std::nullopt}, test_key('4')};
  cloud_->answer({json{{"devices", {device("leaf3", leaf3.key)}}}});
  enable_scope();
  ASSERT_TRUE(poll_until(loop_, [&] { return can_connect(leaf3); }));
  const auto asked = cloud_->requests().size();
  cloud_->answer({json{{"devices", {device("leaf3", leaf3.key), device("leaf4", leaf4.key)}}}});  // added in the cloud
  ASSERT_TRUE(poll_until(loop_, [&] { return can_connect(leaf4); })) << "leaf4 never authenticated";
  EXPECT_GT(cloud_->requests().size(), asked);
}

// Asked within the gap, the fetch is not dropped but made when the gap ends: a module the agent
// created just after the hub's first fetch connects on its next try, not after a minute.
TEST_F(EdgeHubScopeTest, AnUnknownIdentityWithinTheGapIsFetchedWhenTheGapEnds) {
  const TestIdentity leaf3{{"leaf3", std::nullopt}, test_key('3')};
  const TestIdentity leaf4{{"leaf4", std::nullopt}, test_key('4')};
  cloud_->answer({json{{"devices", {device("leaf3", leaf3.key)}}}});
  enable_scope(std::chrono::seconds(1));
  ASSERT_TRUE(poll_until(loop_, [&] { return can_connect(leaf3); }));
  const auto asked = cloud_->requests().size();
  cloud_->answer({json{{"devices", {device("leaf3", leaf3.key), device("leaf4", leaf4.key)}}}});
  EXPECT_FALSE(can_connect(leaf4)) << "not known yet: this attempt asks for a fetch, within the gap";
  // No further attempt: the one above alone must bring the fetch (bounded by poll_until).
  ASSERT_TRUE(poll_until(loop_, [&] { return cloud_->requests().size() > asked; })) << "the deferred fetch never came";
  EXPECT_TRUE(poll_until(loop_, [&] { return can_connect(leaf4); })) << "leaf4 never authenticated";
}

}  // namespace
}  // namespace outpost::hub::testing

#include "hub/hub_test_util.h"

#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "outpost/core/encoding.h"
#include "outpost/core/sas_token.h"
#include "outpost/iothub/username.h"
#include "outpost/routing/edgehub_config.h"

namespace outpost::hub::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/outpost-hub-test-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::unique_ptr<store::MessageStore> open_test_store(const std::filesystem::path& folder, const Clock& clock,
                                                     std::uint64_t max_bytes) {
  store::StoreOptions options;
  options.folder = folder;
  options.max_bytes = max_bytes;
  options.fsync = store::FsyncPolicy::never;  // no fsync wait in unit tests
  options.wake_on_append = false;             // as outpost-hub opens it: EdgeHub wakes the writer
  auto store = store::MessageStore::open(options, clock);
  if (!store) throw std::runtime_error("message store: " + store.error());
  return std::move(*store);
}

std::unique_ptr<kv::KvDatabase> open_test_kv(const std::filesystem::path& file) {
  auto kv = kv::KvDatabase::open(file);
  if (!kv) throw std::runtime_error("state database: " + kv.error());
  return std::move(*kv);
}

std::string test_key(char fill) { return base64_encode(std::string(32, fill)); }

const TestIdentity kModuleA{{kEdgeDevice, std::string("A")}, test_key('a')};
const TestIdentity kModuleB{{kEdgeDevice, std::string("B")}, test_key('b')};
const TestIdentity kLeaf{{"leaf1", std::nullopt}, test_key('l')};
const TestIdentity kOtherLeaf{{"leaf2", std::nullopt}, test_key('m')};

IdentityRegistry registry_of(const std::vector<TestIdentity>& identities) {
  auto list = nlohmann::json::array();
  for (const auto& t : identities) {
    nlohmann::json entry{{"deviceId", t.identity.device_id}, {"primaryKey", t.key}};
    if (t.identity.module_id) entry["moduleId"] = *t.identity.module_id;
    list.push_back(entry);
  }
  auto registry = IdentityRegistry::from_json(list, "test identities");
  if (!registry) throw std::runtime_error(registry.error());
  return std::move(*registry);
}

mqtt::ConnectPacket connect_packet(const TestIdentity& who, std::int64_t expiry_unix_seconds, bool clean_session,
                                   const std::string& host, std::optional<std::string> key) {
  const auto& id = who.identity;
  mqtt::ConnectPacket c;
  c.client_id = id.id();
  c.clean_session = clean_session;
  c.keep_alive_secs = 60;
  c.username = iothub::format_mqtt_username(host, id, iothub::kApiVersion);
  c.password =
      *build_sas_token(device_resource_uri(host, id.device_id, id.module_id), key.value_or(who.key), expiry_unix_seconds);
  return c;
}

routing::EdgeHubConfig edgehub_config(const nlohmann::json& routes, std::int64_t ttl_secs) {
  auto config = routing::parse_edgehub_desired(nlohmann::json{
      {"schemaVersion", "1.1"}, {"routes", routes}, {"storeAndForwardConfiguration", {{"timeToLiveSecs", ttl_secs}}}});
  if (!config) throw std::runtime_error("test routes: " + config.error());
  return std::move(*config);
}

std::int64_t version_of(const Result<std::int64_t>& update) {
  if (update) return *update;
  ADD_FAILURE() << "twin update refused: " << update.error();
  return -1;
}

bool poll_until(net::EventLoop& loop, const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    loop.poll();
    if (condition()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // polling interval, not a wait
  }
}

EdgeHubTest::EdgeHubTest() : routes_(nlohmann::json::object()) { restart_hub(); }

EdgeHubTest::~EdgeHubTest() { stop_hub(); }

void EdgeHubTest::stop_hub() {
  // As outpost-hub shuts down: the store reports every pending append durable while the
  // hub lives (those callbacks point into it), then the hub goes before what it references.
  if (store_) store_->flush();
  hub_.reset();
}

void EdgeHubTest::restart_hub(std::uint64_t max_bytes) {
  stop_hub();
  kv_.reset();
  store_.reset();
  store_ = open_test_store(dir_.path() / "messages", clock_, max_bytes);
  kv_ = open_test_kv(dir_.path() / "state.db");
  hub_ = std::make_unique<EdgeHub>(loop_, settings_, *store_, *kv_,
                                   registry_of({kModuleA, kModuleB, kLeaf, kOtherLeaf}), metrics_, clock_);
  if (!routes_.empty()) hub_->apply_config(edgehub_config(routes_, ttl_secs_));
}

void EdgeHubTest::apply_routes(const nlohmann::json& routes, std::int64_t ttl_secs) {
  routes_ = routes;
  ttl_secs_ = ttl_secs;
  hub_->apply_config(edgehub_config(routes, ttl_secs));
}

std::shared_ptr<FakeConnection> EdgeHubTest::connect(const TestIdentity& who, bool clean_session,
                                                     std::optional<mqtt::Will> will) {
  auto c = FakeConnection::make(hub_.get());
  auto packet = connect_packet(who, clock_.unix_seconds() + 3600, clean_session);
  packet.will = std::move(will);
  const auto decision = c->connect(packet);
  EXPECT_EQ(decision.code, mqtt::ConnectReturnCode::accepted) << who.id() << " was refused";
  loop_.poll();  // what the hub posts for after the CONNACK (resumed deliveries)
  return c;
}

std::shared_ptr<FakeConnection> EdgeHubTest::connect_receiver(const TestIdentity& who, bool clean_session) {
  auto c = connect(who, clean_session);
  const auto codes = c->subscribe({"devices/" + who.identity.device_id + "/modules/" + *who.identity.module_id + "/#"});
  EXPECT_EQ(codes, std::vector<std::uint8_t>{1});
  loop_.poll();
  return c;
}

void EdgeHubTest::settle() {
  store_->flush();
  if (hub_) hub_->acknowledge_durable();
  loop_.poll();
}

bool EdgeHubTest::settle_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    settle();
    if (condition()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // polling interval: the store frees space on its thread
  }
}

std::string EdgeHubTest::telemetry_topic(const TestIdentity& who, const std::string& bag) {
  const auto& id = who.identity;
  if (id.module_id) return "devices/" + id.device_id + "/modules/" + *id.module_id + "/messages/events/" + bag;
  return "devices/" + id.device_id + "/messages/events/" + bag;
}

std::uint64_t EdgeHubTest::waiting(const std::string& endpoint_id) const {
  std::uint64_t n = 0;
  for (const auto& q : store_->stats())
    if (q.name.rfind(endpoint_id + "_Pri", 0) == 0) n += q.length;
  return n;
}

double EdgeHubTest::dropped(const std::string& reason, const std::string& from, const std::string& from_output) {
  return metrics_.dropped(reason, from, from_output).value();
}

std::vector<std::string> EdgeHubTest::payloads(const FakeConnection& c) {
  std::vector<std::string> out;
  for (const auto& p : c.published()) out.push_back(p.payload);
  return out;
}

}  // namespace outpost::hub::testing

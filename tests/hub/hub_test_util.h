// Shared pieces of the hub's in-process tests: a temporary folder, SAS CONNECT packets for
// test identities, and EdgeHubTest — an EdgeHub on a real MessageStore and KvDatabase in a
// temp dir, a net::EventLoop driven step by step (poll) and a ManualClock, with clients
// as FakeConnections. No sockets, no sleeps: tests advance the clock and poll the loop.
#pragma once
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edge_hub.h"
#include "hub_metrics.h"
#include "identity_registry.h"
#include "outpost/core/clock.h"
#include "outpost/core/message.h"
#include "outpost/iothub/identity.h"
#include "outpost/kv/kv_database.h"
#include "outpost/mqtt_codec/packets.h"
#include "outpost/net/event_loop.h"
#include "outpost/store/message_store.h"
#include "support/fake_connection.h"

namespace outpost::hub::testing {

using outpost::testing::FakeConnection;

inline constexpr const char* kHostname = "myhub.local";
inline constexpr const char* kEdgeDevice = "edge1";

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A message store in `folder` on `clock` (fsync never: durable once written) and a state
// database file; both throw when they cannot open, failing the test that asked.
std::unique_ptr<store::MessageStore> open_test_store(const std::filesystem::path& folder, const Clock& clock,
                                                     std::uint64_t max_bytes = 0);
std::unique_ptr<kv::KvDatabase> open_test_kv(const std::filesystem::path& file);

// A base64 key of 32 bytes `fill`: distinct, readable keys for test identities.
std::string test_key(char fill);

struct TestIdentity {
  iothub::Identity identity;
  std::string key;
  std::string id() const { return identity.id(); }
};

extern const TestIdentity kModuleA;    // edge1/A
extern const TestIdentity kModuleB;    // edge1/B
extern const TestIdentity kLeaf;       // leaf1
extern const TestIdentity kOtherLeaf;  // leaf2

// [{"deviceId","moduleId"?,"primaryKey"}] for these identities.
IdentityRegistry registry_of(const std::vector<TestIdentity>& identities);

// A CONNECT as IoT Hub SDKs send it: user name for `host`, SAS token signed with `key`
// (the identity's own unless given) expiring at `expiry_unix_seconds`.
mqtt::ConnectPacket connect_packet(const TestIdentity& who, std::int64_t expiry_unix_seconds, bool clean_session = true,
                                   const std::string& host = kHostname,
                                   std::optional<std::string> key = std::nullopt);

// The $edgeHub desired properties with these routes ({"name": "FROM ..."} or route objects).
routing::EdgeHubConfig edgehub_config(const nlohmann::json& routes, std::int64_t ttl_secs = 7200);

// The version a twin update returned, or -1 (and a test failure naming the error).
std::int64_t version_of(const Result<std::int64_t>& update);

// Polls `loop` until `condition` holds, at most `timeout`: for results another thread
// posts to the loop (the device-scope fetch). False if it never held.
bool poll_until(net::EventLoop& loop, const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(5));

class EdgeHubTest : public ::testing::Test {
 protected:
  EdgeHubTest();
  ~EdgeHubTest() override;

  // (Re)creates the store (with this byte cap; 0 = none) and the hub on the same folder,
  // as a process restart would, keeping the routes applied so far.
  void restart_hub(std::uint64_t max_bytes = 0);
  void stop_hub();
  void apply_routes(const nlohmann::json& routes, std::int64_t ttl_secs = 7200);

  // A CONNECT as `who` with a valid token; the test fails unless accepted.
  std::shared_ptr<FakeConnection> connect(const TestIdentity& who, bool clean_session = true,
                                          std::optional<mqtt::Will> will = std::nullopt);
  // Connects `who` and subscribes it to its module inputs, with what the hub sends first.
  std::shared_ptr<FakeConnection> connect_receiver(const TestIdentity& who, bool clean_session = true);

  // Runs what is ready on the loop, after the store reported durability of everything
  // appended so far (PUBACKs follow durability).
  void settle();
  // settle() until `condition` holds, at most `timeout` (for the store's background work,
  // which frees space on its own thread). False if it never held.
  bool settle_until(const std::function<bool()>& condition,
                    std::chrono::milliseconds timeout = std::chrono::seconds(5));

  static std::string telemetry_topic(const TestIdentity& who, const std::string& bag = "");
  // Messages queued for an endpoint ("edge1/B/in1"), over all its priorities.
  std::uint64_t waiting(const std::string& endpoint_id) const;
  double dropped(const std::string& reason, const std::string& from = "", const std::string& from_output = "");
  // The payloads `c` received, in order.
  static std::vector<std::string> payloads(const FakeConnection& c);

  TempDir dir_;
  ManualClock clock_;
  net::EventLoop loop_;
  std::unique_ptr<store::MessageStore> store_;
  std::unique_ptr<kv::KvDatabase> kv_;
  HubMetrics metrics_{kHostname, kEdgeDevice};
  EdgeHubSettings settings_{kHostname, kEdgeDevice, "gateway.local", 100, std::chrono::milliseconds(1000)};
  nlohmann::json routes_;  // as last applied, for restart_hub()
  std::int64_t ttl_secs_ = 7200;
  std::unique_ptr<EdgeHub> hub_;  // last member: destroyed first, before what it references
};

}  // namespace outpost::hub::testing

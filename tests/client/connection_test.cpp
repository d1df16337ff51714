// The SDK's MQTT session (Connection) with its real threads against mosquitto over TLS — a
// real peer that knows nothing of IoT Hub, so what is tested is the session alone: the QoS 1
// window and acknowledgements, re-subscription and resending after the broker is killed,
// reconnection with a fresh token at 3/4 of its lifetime, open()'s errors, close().
// Label unit: it runs under ASan+UBSan and TSan too (the SDK's worker, callback and link I/O
// threads).
#include "connection.h"

#include <atomic>
#include <future>

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>

#include "callback_thread.h"
#include "support/process.h"
#include "support/test_certificates.h"

namespace outpost::client::detail {
namespace {

using namespace std::chrono_literals;
using testing::Process;

// A port free a moment ago (bound to 0 and closed): mosquitto takes it, and keeps it across restarts.
std::uint16_t unused_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0)
    throw std::runtime_error("no free port");
  ::close(fd);
  return ntohs(address.sin_port);
}

class Broker {
 public:
  explicit Broker(const std::string& dir) : dir_(dir), port_(unused_port()) {
    const auto cert = testing::write_self_signed_certificate(dir, "broker");
    ca_ = cert.cert_file;
    testing::write_file(dir + "/mosquitto.conf", "listener " + std::to_string(port_) + " 127.0.0.1\nallow_anonymous true\nmax_inflight_messages 20\n" +
                                                     "certfile " + cert.cert_file + "\nkeyfile " + cert.key_file + "\n");
  }
  void start() { process_ = std::make_unique<Process>(std::vector<std::string>{"mosquitto", "-c", dir_ + "/mosquitto.conf"}, dir_ + "/mosquitto.log"); }
  void kill() { process_->kill_hard(); }
  std::uint16_t port() const { return port_; }
  const std::string& ca() const { return ca_; }
  std::string log() const { return testing::read_file(dir_ + "/mosquitto.log"); }

 private:
  std::string dir_;
  std::uint16_t port_;
  std::string ca_;
  std::unique_ptr<Process> process_;
};

class ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::have_program("mosquitto")) GTEST_SKIP() << "mosquitto is not installed (scripts/install-deps installs it)";
    dir_ = testing::make_temp_dir("outpost-client-connection");
    broker_ = std::make_unique<Broker>(dir_);
    broker_->start();
    credentials_.iothub_host = "hub.example.net";
    credentials_.device_id = "dev1";
    credentials_.gateway_host = "127.0.0.1";
    credentials_.mqtt_port = broker_->port();
    credentials_.ca_file = broker_->ca();
    credentials_.sign = [this](const std::string&) {
      ++signatures_;
      return std::string("c2lnbmF0dXJl");
    };
    options_.firstRetryDelay = 100ms;
    options_.maxRetryDelay = 500ms;
    options_.operationTimeout = 20s;
    options_.onConnectionStatus = [this](ConnectionStatus status, ConnectionReason reason, const std::string&) {
      std::lock_guard lock(mutex_);
      statuses_.emplace_back(status, reason);
      changed_.notify_all();
    };
  }
  void TearDown() override {
    connection_.reset();
    callbacks_.reset();
    broker_.reset();
    if (!HasFailure() && !dir_.empty()) std::filesystem::remove_all(dir_);
  }

  Connection& connect() {
    callbacks_ = std::make_unique<CallbackThread>();
    connection_ = std::make_unique<Connection>(credentials_, options_, "hub.example.net/dev1/?api-version=2021-04-12",
                                               *callbacks_, [this](std::string topic, std::string payload) {
                                                 std::lock_guard lock(mutex_);
                                                 arrived_.emplace_back(std::move(topic), std::move(payload));
                                                 changed_.notify_all();
                                               });
    // mosquitto may still be starting: refused (transport) until it listens.
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (true) {
      try {
        connection_->open();
        return *connection_;
      } catch (const ClientError& e) {
        if (e.code() != ErrorCode::transport || std::chrono::steady_clock::now() > deadline) throw;
      }
      std::this_thread::sleep_for(50ms);  // polling interval while the broker starts
    }
  }

  template <typename Condition>
  bool wait(Condition condition, std::chrono::seconds limit = 20s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, condition);
  }
  std::set<std::string> payloads_on(const std::string& prefix) {
    std::set<std::string> out;
    for (const auto& [topic, payload] : arrived_)
      if (topic.rfind(prefix, 0) == 0) out.insert(payload);
    return out;
  }

  std::string dir_;
  std::unique_ptr<Broker> broker_;
  Credentials credentials_;
  ClientOptions options_;
  std::atomic<int> signatures_{0};
  std::unique_ptr<CallbackThread> callbacks_;
  std::unique_ptr<Connection> connection_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::pair<std::string, std::string>> arrived_;
  std::vector<std::pair<ConnectionStatus, ConnectionReason>> statuses_;
};

TEST_F(ConnectionTest, AWindowOfQos1MessagesIsAllAcknowledgedAndDelivered) {
  options_.maxInFlight = 8;  // 500 messages: the window fills and drains many times
  auto& connection = connect();
  connection.subscribe("loop/#", 1);
  std::vector<std::future<void>> sent;
  for (int i = 0; i < 500; ++i) sent.push_back(connection.publish("loop/" + std::to_string(i), std::to_string(i)));
  for (auto& f : sent) ASSERT_NO_THROW(f.get());
  EXPECT_TRUE(wait([&] { return payloads_on("loop/").size() == 500; })) << payloads_on("loop/").size() << " of 500 came back";
}

TEST_F(ConnectionTest, WhatWasAcknowledgedSurvivesAKilledBrokerAndSubscriptionsComeBack) {
  auto& connection = connect();
  connection.subscribe("kept/#", 1);
  std::vector<std::future<void>> sent;
  for (int i = 0; i < 300; ++i) {
    sent.push_back(connection.publish("kept/" + std::to_string(i), std::to_string(i)));
    if (i == 100) {
      sent[50].wait();
      broker_->kill();  // mosquitto keeps nothing: what is acknowledged after this came by the new one
    }
    if (i == 200) broker_->start();
  }
  for (auto& f : sent) ASSERT_NO_THROW(f.get()) << broker_->log();
  EXPECT_TRUE(wait([&] {
    for (const auto& [status, reason] : statuses_)
      if (status == ConnectionStatus::disconnected && reason == ConnectionReason::communication_error) return true;
    return false;
  })) << "the kill was not seen";
  // Everything sent after the restart came back through the re-made subscription.
  const auto after = [&] {
    const auto got = payloads_on("kept/");
    for (int i = 250; i < 300; ++i)
      if (!got.count(std::to_string(i))) return false;
    return true;
  };
  EXPECT_TRUE(wait(after)) << "the subscription was not made again";
}

// Back-pressure: with acknowledgements held, the broker stops delivering at its window of
// unacknowledged messages (mosquitto: 20) and keeps the rest; released, everything arrives.
TEST_F(ConnectionTest, HeldAcknowledgementsStopTheBrokerAtItsWindowUntilReleased) {
  auto& receiver = connect();
  receiver.subscribe("held/#", 1);
  receiver.hold_acknowledgements();
  auto sender_credentials = credentials_;
  sender_credentials.device_id = "sender";
  CallbackThread sender_callbacks;
  Connection sender(sender_credentials, options_, "hub.example.net/sender/?api-version=2021-04-12", sender_callbacks,
                    [](std::string, std::string) {});
  sender.open();
  for (int i = 0; i < 60; ++i) sender.publish("held/" + std::to_string(i), std::to_string(i)).get();
  // The broker has all 60; 20 come, then nothing more while held (a bounded wait for more).
  EXPECT_TRUE(wait([&] { return payloads_on("held/").size() == 20; })) << payloads_on("held/").size() << " arrived";
  EXPECT_FALSE(wait([&] { return payloads_on("held/").size() > 20; }, 1s)) << "arrivals beyond the window while held";
  // Our own sends are still acknowledged: reading goes on.
  EXPECT_EQ(receiver.publish("own/x", "x").wait_for(10s), std::future_status::ready);
  receiver.release_acknowledgements();
  EXPECT_TRUE(wait([&] { return payloads_on("held/").size() == 60; })) << payloads_on("held/").size() << " of 60 arrived";
  sender.close();
}

// The arrivals' queue calls `full` at its high mark and `drained` when it is down to its low one.
TEST(CallbackThreadLimits, FullAtTheHighMarkDrainedAtTheLowOne) {
  CallbackThread callbacks;
  std::atomic<int> full{0}, drained{0};
  callbacks.set_limits(3, 1, [&] { ++full; }, [&] { ++drained; });
  std::promise<void> release;
  auto released = release.get_future().share();
  callbacks.post([released] { released.wait(); });  // holds the thread
  for (int i = 0; i < 5; ++i) callbacks.post([] {});
  EXPECT_EQ(full.load(), 1) << "once, however many more come";
  EXPECT_EQ(drained.load(), 0);
  release.set_value();
  std::promise<void> done;
  callbacks.post([&done] { done.set_value(); });
  ASSERT_EQ(done.get_future().wait_for(10s), std::future_status::ready);
  EXPECT_EQ(drained.load(), 1);
  EXPECT_EQ(callbacks.waiting(), 0u);
}

TEST_F(ConnectionTest, ReconnectsWithAFreshTokenAtThreeQuartersOfItsLifetime) {
  options_.tokenLifetime = 2s;
  connect();
  const int first = signatures_;
  EXPECT_TRUE(wait([&] {
    int renewals = 0;
    for (const auto& [status, reason] : statuses_)
      renewals += status == ConnectionStatus::connected && reason == ConnectionReason::token_renewal;
    return renewals >= 2;
  })) << "no two renewals";
  EXPECT_GE(signatures_ - first, 2) << "each renewal signs a new token";
  EXPECT_TRUE(connection_->publish("after/renewal", "x").wait_for(10s) == std::future_status::ready);
}

TEST_F(ConnectionTest, CloseFailsWhatIsUnacknowledgedAndRefusesNewWork) {
  auto& connection = connect();
  broker_->kill();
  auto pending = connection.publish("never/acked", "x");
  connection.close();
  try {
    pending.get();
    FAIL() << "a message nobody acknowledged succeeded";
  } catch (const ClientError& e) {
    EXPECT_EQ(e.code(), ErrorCode::not_connected) << e.what();
  }
  EXPECT_THROW(connection.publish("after/close", "x"), ClientError);
  EXPECT_FALSE(connection.is_open());
}

TEST_F(ConnectionTest, AnUnreachableBrokerIsATransportErrorFromOpen) {
  broker_->kill();
  options_.operationTimeout = 5s;
  callbacks_ = std::make_unique<CallbackThread>();
  connection_ = std::make_unique<Connection>(credentials_, options_, "u", *callbacks_, [](std::string, std::string) {});
  try {
    connection_->open();
    FAIL() << "opened without a broker";
  } catch (const ClientError& e) {
    EXPECT_EQ(e.code(), ErrorCode::transport) << e.what();
  }
  EXPECT_FALSE(connection_->is_open()) << "a failed open leaves the client closed, ready for another open()";
}

}  // namespace
}  // namespace outpost::client::detail

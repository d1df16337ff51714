// The client's MQTT session with IoT Hub or an edge hub, kept up for as long as the client
// is open: one worker thread connects (a fresh SAS token each time), reconnects after a
// failure with exponential backoff and jitter, reconnects with a new token at 3/4 of its
// lifetime, re-subscribes, and publishes QoS 1 messages from a bounded queue with at most
// maxInFlight unacknowledged. A message's future is ready only when the hub acknowledged
// it; what was in flight when a connection broke is sent again on the next one (at least
// once). Threads: the worker; each link's I/O thread (acks, arrivals: never blocked); callers (any).
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "credentials.h"
#include "link.h"
#include "outpost/client/client_error.h"
#include "outpost/client/client_options.h"

namespace outpost::client::detail {

class CallbackThread;

class Connection final : private LinkEvents {
 public:
  // `inbound` runs on the link's I/O thread for every arriving message: it must not block.
  Connection(const Credentials& credentials, ClientOptions options, std::string username, CallbackThread& callbacks,
             std::function<void(std::string topic, std::string payload)> inbound);
  ~Connection() override;  // closes

  void open();   // blocks until connected; throws the first failure
  void close();  // fails what is not acknowledged with not_connected
  bool is_open() const;

  // QoS 1, queued; throws ClientError(not_connected) when not open, (timeout) when the queue
  // stays full for operationTimeout.
  std::future<void> publish(std::string topic, std::string payload);
  // QoS 0 now (twin requests, method responses); false when not connected at this moment.
  bool publish_now(const std::string& topic, const std::string& payload);
  // Kept for every connection. While open, waits for the hub's SUBACK (bounded).
  void subscribe(const std::string& filter, int qos);
  // Waits for a connection; false when closed or at the deadline.
  bool wait_connected(std::chrono::steady_clock::time_point deadline);
  // Back-pressure for arrivals (any thread): hold back the acknowledgements of arriving QoS 1
  // messages (the hub stops delivering at its window), and release them. Kept across
  // reconnections.
  void hold_acknowledgements();
  void release_acknowledgements();
  // Runs on the worker after each connection, subscriptions restored (resend QoS 0 requests).
  void on_connected(std::function<void()> hook);

  struct Subscription {
    std::string filter;
    int qos = 0;
    std::uint64_t acked_on = 0;  // the generation whose SUBACK covered it; 0: none yet
  };

 private:
  using Clock = std::chrono::steady_clock;
  enum class Phase { idle, waiting, connecting, connected, closed };

  struct Outgoing {
    std::uint64_t sequence = 0;
    std::string topic;
    std::string payload;
    std::promise<void> acked;
    Clock::time_point deadline;
  };

  void run();
  void connect_once(std::unique_lock<std::mutex>& lock);
  void renew(std::unique_lock<std::mutex>& lock);
  void subscribe_missing(std::unique_lock<std::mutex>& lock);
  void drain(std::unique_lock<std::mutex>& lock);
  void fail_expired(Clock::time_point now);
  void requeue_in_flight();
  void lost(const std::string& cause);  // with the lock held
  Clock::duration retry_delay();
  void stop_worker(std::unique_lock<std::mutex>& lock);
  void report(ConnectionStatus status, ConnectionReason reason, std::string detail);
  LinkSettings link_settings(const std::string& password) const;

  void link_lost(std::uint64_t generation, const std::string& cause) override;
  void link_message(std::string topic, std::string payload) override;
  void link_acked(std::uint64_t generation, std::uint64_t sequence, bool ok) override;

  const Credentials& credentials_;
  const ClientOptions options_;
  const std::string username_;
  const std::string server_uri_;
  CallbackThread& callbacks_;
  std::function<void(std::string, std::string)> inbound_;
  std::function<void()> on_connected_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  Phase phase_ = Phase::idle;
  std::shared_ptr<Link> link_;
  std::vector<std::shared_ptr<Link>> retired_;  // destroyed by the worker, never on their own threads
  std::uint64_t generation_ = 0;
  std::uint64_t next_sequence_ = 1;
  std::deque<Outgoing> queue_;
  std::map<std::uint64_t, Outgoing> in_flight_;
  std::vector<Subscription> subscriptions_;
  Clock::time_point next_attempt_{};
  Clock::time_point renew_at_ = Clock::time_point::max();
  unsigned failures_ = 0;
  bool acks_held_ = false;
  bool draining_ = false;  // one thread at a time hands queued messages to the link, in order
  ConnectionReason next_reason_ = ConnectionReason::ok;
  std::optional<ClientError> first_failure_;  // for open()
  std::thread worker_;
};

}  // namespace outpost::client::detail

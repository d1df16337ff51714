#include "connection.h"

#include <algorithm>
#include <random>

#include <fmt/format.h>

#include "callback_thread.h"

namespace outpost::client::detail {
namespace {

std::chrono::milliseconds connect_timeout(const ClientOptions& options) {
  return std::min<std::chrono::milliseconds>(options.operationTimeout, std::chrono::seconds(30));
}

std::vector<std::pair<std::string, int>> filters_of(const std::vector<Connection::Subscription>& subscriptions) {
  std::vector<std::pair<std::string, int>> out;
  for (const auto& s : subscriptions) out.emplace_back(s.filter, s.qos);
  return out;
}

}  // namespace

Connection::Connection(const Credentials& credentials, ClientOptions options, std::string username,
                       CallbackThread& callbacks, std::function<void(std::string, std::string)> inbound)
    : credentials_(credentials),
      options_(std::move(options)),
      username_(std::move(username)),
      server_uri_(fmt::format("ssl://{}:{}", credentials.gateway_host, credentials.mqtt_port)),
      callbacks_(callbacks),
      inbound_(std::move(inbound)) {}

Connection::~Connection() { close(); }

bool Connection::is_open() const {
  std::lock_guard lock(mutex_);
  return phase_ != Phase::idle && phase_ != Phase::closed;
}

void Connection::on_connected(std::function<void()> hook) {
  std::lock_guard lock(mutex_);
  on_connected_ = std::move(hook);
}

void Connection::open() {
  std::unique_lock lock(mutex_);
  if (phase_ == Phase::closed) throw ClientError(ErrorCode::not_connected, "the client was closed");
  if (phase_ != Phase::idle) return;
  phase_ = Phase::waiting;
  next_attempt_ = Clock::now();
  first_failure_.reset();
  worker_ = std::thread([this] { run(); });
  const auto deadline = Clock::now() + options_.operationTimeout;
  const bool settled = changed_.wait_until(lock, deadline, [&] { return phase_ == Phase::connected || first_failure_; });
  if (phase_ == Phase::connected) return;
  // The first attempt failed (or never finished): back to idle, so open() may be tried again.
  auto error = settled ? *first_failure_
                       : ClientError(ErrorCode::timeout, fmt::format("no connection to {} within {} ms", server_uri_,
                                                                     options_.operationTimeout.count()));
  stop_worker(lock);
  phase_ = Phase::idle;
  throw error;
}

void Connection::close() {
  std::unique_lock lock(mutex_);
  if (phase_ == Phase::idle || phase_ == Phase::closed) {
    phase_ = Phase::closed;
    return;
  }
  stop_worker(lock);
  phase_ = Phase::closed;
  report(ConnectionStatus::closed, ConnectionReason::closed_by_client, "");
}

// Stops the worker and drops the connection; what was not acknowledged fails.
void Connection::stop_worker(std::unique_lock<std::mutex>& lock) {
  phase_ = Phase::closed;
  changed_.notify_all();
  lock.unlock();
  if (worker_.joinable()) worker_.join();
  lock.lock();
  auto link = std::move(link_);
  auto retired = std::move(retired_);
  std::vector<Outgoing> failed;
  for (auto& [sequence, outgoing] : in_flight_) failed.push_back(std::move(outgoing));
  for (auto& outgoing : queue_) failed.push_back(std::move(outgoing));
  in_flight_.clear();
  queue_.clear();
  lock.unlock();
  link.reset();  // disconnects
  retired.clear();
  for (auto& outgoing : failed)
    outgoing.acked.set_exception(std::make_exception_ptr(
        ClientError(ErrorCode::not_connected, "the client was closed before the hub acknowledged the message")));
  lock.lock();
  changed_.notify_all();
}

std::future<void> Connection::publish(std::string topic, std::string payload) {
  std::unique_lock lock(mutex_);
  const auto deadline = Clock::now() + options_.operationTimeout;
  const auto has_room = [&] {
    return phase_ == Phase::idle || phase_ == Phase::closed || queue_.size() + in_flight_.size() < options_.maxQueued;
  };
  if (!changed_.wait_until(lock, deadline, has_room))
    throw ClientError(ErrorCode::timeout, fmt::format("{} messages are waiting for the hub; none was acknowledged for {} ms",
                                                      options_.maxQueued, options_.operationTimeout.count()));
  if (phase_ == Phase::idle || phase_ == Phase::closed)
    throw ClientError(ErrorCode::not_connected, "the client is not open (call open() first)");
  Outgoing outgoing;
  outgoing.sequence = next_sequence_++;
  outgoing.topic = std::move(topic);
  outgoing.payload = std::move(payload);
  outgoing.deadline = deadline;
  auto future = outgoing.acked.get_future();
  const bool was_idle = queue_.empty() && in_flight_.empty();
  queue_.push_back(std::move(outgoing));
  drain(lock);  // the fast path: from this thread, no hand-off
  // The worker sleeps until the earliest deadline it knows of: a first message gives it one.
  if (was_idle) changed_.notify_all();
  return future;
}

bool Connection::publish_now(const std::string& topic, const std::string& payload) {
  std::shared_ptr<Link> link;
  {
    std::lock_guard lock(mutex_);
    if (phase_ != Phase::connected) return false;
    link = link_;
  }
  return link->publish_now(topic, payload);  // false: the connection is going; the worker hears of it
}

void Connection::subscribe(const std::string& filter, int qos) {
  std::unique_lock lock(mutex_);
  auto found = std::find_if(subscriptions_.begin(), subscriptions_.end(),
                            [&](const Subscription& s) { return s.filter == filter; });
  if (found == subscriptions_.end()) {
    subscriptions_.push_back({filter, qos, 0});
    changed_.notify_all();
  }
  if (phase_ == Phase::idle || phase_ == Phase::closed) return;  // made at the next connection
  const auto deadline = Clock::now() + options_.operationTimeout;
  const auto acked = [&] {
    if (phase_ == Phase::closed) return true;
    for (const auto& s : subscriptions_)
      if (s.filter == filter) return phase_ == Phase::connected && s.acked_on == generation_;
    return false;
  };
  if (!changed_.wait_until(lock, deadline, acked))
    throw ClientError(ErrorCode::timeout, fmt::format("the hub did not acknowledge the subscription to {}", filter));
  if (phase_ == Phase::closed) throw ClientError(ErrorCode::not_connected, "the client was closed");
}

void Connection::hold_acknowledgements() {
  std::lock_guard lock(mutex_);
  acks_held_ = true;
  if (link_) link_->set_acks_held(true);
}

void Connection::release_acknowledgements() {
  std::lock_guard lock(mutex_);
  acks_held_ = false;
  if (link_) link_->set_acks_held(false);
}

bool Connection::wait_connected(Clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  changed_.wait_until(lock, deadline, [&] { return phase_ == Phase::connected || phase_ == Phase::closed || phase_ == Phase::idle; });
  return phase_ == Phase::connected;
}

// ---- the worker ----

void Connection::run() {
  std::unique_lock lock(mutex_);
  while (phase_ != Phase::closed) {
    if (!retired_.empty()) {
      auto retired = std::move(retired_);
      lock.unlock();
      retired.clear();  // links are destroyed here, never on their own threads nor under the lock
      lock.lock();
      continue;
    }
    const auto now = Clock::now();
    fail_expired(now);
    if (phase_ == Phase::waiting && now >= next_attempt_) {
      connect_once(lock);
      continue;
    }
    if (phase_ == Phase::connected && now >= renew_at_) {
      renew(lock);
      continue;
    }
    if (phase_ == Phase::connected) {
      const bool missing = std::any_of(subscriptions_.begin(), subscriptions_.end(),
                                       [&](const Subscription& s) { return s.acked_on != generation_; });
      if (missing) {
        subscribe_missing(lock);
        continue;
      }
      if (!draining_ && !queue_.empty() && in_flight_.size() < options_.maxInFlight) {
        drain(lock);
        continue;
      }
    }
    auto wake = Clock::time_point::max();
    if (phase_ == Phase::waiting) wake = next_attempt_;
    if (phase_ == Phase::connected) wake = renew_at_;
    if (!queue_.empty()) wake = std::min(wake, queue_.front().deadline);
    if (!in_flight_.empty()) wake = std::min(wake, in_flight_.begin()->second.deadline);
    if (wake == Clock::time_point::max()) changed_.wait(lock);
    else changed_.wait_until(lock, wake);
  }
}

Connection::Clock::duration Connection::retry_delay() {
  // Exponential from firstRetryDelay, capped, then jittered to 50..100 % so that many
  // clients of one restarted hub do not come back in step.
  auto delay = options_.firstRetryDelay;
  for (unsigned i = 1; i < failures_ && delay < options_.maxRetryDelay; ++i) delay *= 2;
  delay = std::min(delay, options_.maxRetryDelay);
  thread_local std::minstd_rand random{std::random_device{}()};
  std::uniform_real_distribution<double> jitter(0.5, 1.0);
  return std::chrono::duration_cast<Clock::duration>(delay * jitter(random));
}

LinkSettings Connection::link_settings(const std::string& password) const {
  LinkSettings settings;
  settings.host = credentials_.gateway_host;
  settings.port = credentials_.mqtt_port;
  settings.client_id = credentials_.client_id();
  settings.username = username_;
  settings.password = password;
  settings.keep_alive = options_.keepAlive;
  settings.connect_timeout = connect_timeout(options_) + std::chrono::seconds(5);
  settings.ca_file = credentials_.ca_file;
  settings.certificate_file = credentials_.certificate_file;
  settings.private_key_file = credentials_.private_key_file;
  return settings;
}

void Connection::connect_once(std::unique_lock<std::mutex>& lock) {
  phase_ = Phase::connecting;
  const auto generation = ++generation_;
  const auto reason = next_reason_;
  lock.unlock();

  std::optional<ClientError> failure;
  std::shared_ptr<Link> link;
  std::vector<Subscription> subscribed;
  try {
    const auto password = credentials_.sign ? credentials_.sas_token(options_.tokenLifetime) : std::string();
    link = std::make_shared<Link>(static_cast<LinkEvents&>(*this), generation, link_settings(password));
    link->connect();
    // What handlers were registered for is subscribed before the connection counts as made:
    // once open() returns, what the hub routes to this client arrives.
    lock.lock();
    std::vector<Subscription> wanted = subscriptions_;
    lock.unlock();
    if (!wanted.empty()) {
      if (!link->subscribe(filters_of(wanted), connect_timeout(options_)))
        throw ClientError(ErrorCode::timeout, fmt::format("no SUBACK from {} in time", server_uri_));
      subscribed = std::move(wanted);
    }
  } catch (const ClientError& e) {
    failure = e;
  } catch (const std::exception& e) {
    failure = ClientError(ErrorCode::transport, fmt::format("cannot connect to {}: {}", server_uri_, e.what()));
  }

  lock.lock();
  if (phase_ == Phase::closed) {
    retired_.push_back(std::move(link));
    return;
  }
  if (failure) {
    ++failures_;
    if (!first_failure_) first_failure_ = *failure;
    phase_ = Phase::waiting;
    next_attempt_ = Clock::now() + retry_delay();
    if (link) retired_.push_back(std::move(link));
    changed_.notify_all();
    report(ConnectionStatus::disconnected,
           failure->code() == ErrorCode::auth_refused ? ConnectionReason::auth_refused
                                                      : ConnectionReason::communication_error,
           failure->what());
    return;
  }
  link_ = std::move(link);
  if (acks_held_) link_->set_acks_held(true);
  phase_ = Phase::connected;
  failures_ = 0;
  next_reason_ = ConnectionReason::ok;
  renew_at_ = credentials_.sign ? Clock::now() + options_.tokenLifetime * 3 / 4 : Clock::time_point::max();
  // Whatever the hub remembers of our session, we subscribed again (it costs one SUBACK);
  // what was added meanwhile is subscribed by the loop.
  for (auto& s : subscriptions_) {
    s.acked_on = 0;
    for (const auto& done : subscribed)
      if (done.filter == s.filter) s.acked_on = generation;
  }
  if (link_->lost()) {  // it broke while we were getting here
    lost("the connection was lost right after it was made");
    return;
  }
  changed_.notify_all();
  report(ConnectionStatus::connected, reason, server_uri_);
  auto hook = on_connected_;
  if (hook) {
    lock.unlock();
    hook();
    lock.lock();
  }
}

void Connection::subscribe_missing(std::unique_lock<std::mutex>& lock) {
  auto link = link_;
  const auto generation = generation_;
  std::vector<Subscription> missing;
  for (const auto& s : subscriptions_)
    if (s.acked_on != generation) missing.push_back(s);
  lock.unlock();
  bool ok = true;
  std::string cause;
  try {
    ok = link->subscribe(filters_of(missing), connect_timeout(options_));
    if (!ok) cause = "no SUBACK in time";
  } catch (const ClientError& e) {
    ok = false;
    cause = e.what();
  }
  lock.lock();
  if (link != link_) retired_.push_back(std::move(link));  // see drain(): never destroyed under the lock
  if (generation != generation_ || phase_ != Phase::connected) return;
  if (!ok) {
    lost("subscribing failed: " + cause);
    return;
  }
  for (auto& s : subscriptions_)
    for (const auto& m : missing)
      if (s.filter == m.filter) s.acked_on = generation;
  changed_.notify_all();
}

// Hands queued messages to the link while the window has room. Whichever thread finds the queue
// movable does it — the sender itself on the fast path, the worker after acks or a connection —
// one at a time, so messages leave in order. Called and returns with the lock held.
void Connection::drain(std::unique_lock<std::mutex>& lock) {
  if (draining_ || phase_ != Phase::connected) return;
  draining_ = true;
  auto link = link_;
  while (!queue_.empty() && in_flight_.size() < options_.maxInFlight && phase_ == Phase::connected && link == link_) {
    auto outgoing = std::move(queue_.front());
    queue_.pop_front();
    const auto sequence = outgoing.sequence;
    const auto topic = outgoing.topic;
    const auto payload = outgoing.payload;
    in_flight_.emplace(sequence, std::move(outgoing));
    lock.unlock();
    link->publish(topic, payload, sequence);  // on a broken link: requeued when the loss is reported
    lock.lock();
  }
  draining_ = false;
  // Our copy of a link that was retired meanwhile may be its last: destroying it here, with
  // the lock held, would join its I/O thread while that thread waits for the lock. The worker
  // destroys it.
  if (link != link_ && link) {
    retired_.push_back(std::move(link));
    changed_.notify_all();
  }
}

void Connection::renew(std::unique_lock<std::mutex>& lock) {
  // As the official SDKs do: disconnect, and connect again with a fresh token. What is in
  // flight is sent again on the new connection (an ack that still arrives completes it).
  auto link = std::move(link_);
  phase_ = Phase::connecting;
  lock.unlock();
  link->disconnect(std::chrono::seconds(1));
  lock.lock();
  requeue_in_flight();
  retired_.push_back(std::move(link));
  if (phase_ == Phase::closed) return;
  phase_ = Phase::waiting;
  next_attempt_ = Clock::now();
  next_reason_ = ConnectionReason::token_renewal;
  renew_at_ = Clock::time_point::max();
}

void Connection::requeue_in_flight() {
  // Back to the front, in their original order.
  for (auto it = in_flight_.rbegin(); it != in_flight_.rend(); ++it) queue_.push_front(std::move(it->second));
  in_flight_.clear();
}

void Connection::lost(const std::string& cause) {
  if (phase_ != Phase::connected) return;
  requeue_in_flight();
  if (link_) retired_.push_back(std::move(link_));
  phase_ = Phase::waiting;
  ++failures_;
  next_attempt_ = Clock::now() + retry_delay();
  renew_at_ = Clock::time_point::max();
  changed_.notify_all();
  report(ConnectionStatus::disconnected, ConnectionReason::communication_error, cause);
}

void Connection::fail_expired(Clock::time_point now) {
  // Both lists are in sequence order, which is deadline order (a deadline is set with its
  // sequence number): only their fronts can have expired.
  std::vector<Outgoing> expired;
  while (!in_flight_.empty() && in_flight_.begin()->second.deadline <= now) {
    expired.push_back(std::move(in_flight_.begin()->second));
    in_flight_.erase(in_flight_.begin());
  }
  while (!queue_.empty() && queue_.front().deadline <= now) {
    expired.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  if (expired.empty()) return;
  changed_.notify_all();
  for (auto& outgoing : expired)
    outgoing.acked.set_exception(std::make_exception_ptr(ClientError(
        ErrorCode::timeout, fmt::format("the hub did not acknowledge the message within {} ms",
                                        options_.operationTimeout.count()))));
}

void Connection::report(ConnectionStatus status, ConnectionReason reason, std::string detail) {
  if (!options_.onConnectionStatus) return;
  callbacks_.post([handler = options_.onConnectionStatus, status, reason, detail = std::move(detail)] {
    handler(status, reason, detail);
  });
}

// ---- from a link's I/O thread ----

void Connection::link_lost(std::uint64_t generation, const std::string& cause) {
  std::lock_guard lock(mutex_);
  if (generation == generation_) lost(cause);
}

void Connection::link_message(std::string topic, std::string payload) {
  // Whichever link it came on: it is acknowledged once handed over, so it is ours to deliver.
  inbound_(std::move(topic), std::move(payload));
}

void Connection::link_acked(std::uint64_t, std::uint64_t sequence, bool ok) {
  std::unique_lock lock(mutex_);
  auto found = in_flight_.find(sequence);
  if (found == in_flight_.end()) {
    if (!ok) return;
    // An ack that raced a broken connection: the message was requeued, and is done after all.
    auto queued = std::find_if(queue_.begin(), queue_.end(), [&](const Outgoing& o) { return o.sequence == sequence; });
    if (queued == queue_.end()) return;
    auto done = std::move(*queued);
    queue_.erase(queued);
    changed_.notify_all();
    lock.unlock();
    done.acked.set_value();
    return;
  }
  if (!ok) {
    // The link gave up on it (the connection is going): send it again on the next one.
    auto retry = std::move(found->second);
    in_flight_.erase(found);
    auto position = std::find_if(queue_.begin(), queue_.end(), [&](const Outgoing& o) { return o.sequence > sequence; });
    queue_.insert(position, std::move(retry));
    changed_.notify_all();
    return;
  }
  auto done = std::move(found->second);
  in_flight_.erase(found);
  changed_.notify_all();
  lock.unlock();
  done.acked.set_value();
}

}  // namespace outpost::client::detail

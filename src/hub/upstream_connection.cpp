#include "upstream_connection.h"

#include <algorithm>

#include <random>

#include <mqtt/async_client.h>
#include <spdlog/spdlog.h>

#include "outpost/iothub/username.h"
#include "outpost/net/inbox.h"

namespace outpost::hub {

namespace {

constexpr auto kMinBackoff = std::chrono::milliseconds(1000);
constexpr auto kMaxBackoff = std::chrono::milliseconds(60000);

// Per-operation context handed to Paho and back: the completion to run on the loop.
struct Completion {
  std::function<void(bool)> done;
};

}  // namespace

// Paho calls these from its own threads; they only post to the loop, and only while the
// connection object still exists (`alive`, guarded by the loop thread's destructor).
struct UpstreamConnection::Shared : public ::mqtt::callback,
                                  public ::mqtt::iaction_listener,
                                  public std::enable_shared_from_this<UpstreamConnection::Shared> {
  net::EventLoop& loop;
  UpstreamConnection* owner;
  std::atomic<bool> alive{true};

  Shared(net::EventLoop& l, UpstreamConnection* o) : loop(l), owner(o) {}

  template <typename F>
  void on_loop(F f) {
    if (!alive) return;
    loop.post([self = shared_from_this(), f = std::move(f)]() mutable {
      if (self->alive) f(*self->owner);
    });
  }

  void connected(const std::string&) override {}
  void connection_lost(const std::string& cause) override {
    on_loop([cause](UpstreamConnection& c) { c.schedule_reconnect(cause.empty() ? "connection lost" : cause); });
  }
  void message_arrived(::mqtt::const_message_ptr msg) override {
    on_loop([topic = msg->get_topic(), payload = msg->get_payload_str(), qos = msg->get_qos(),
             retained = msg->is_retained()](UpstreamConnection& c) mutable {
      if (c.callbacks_.on_message) c.callbacks_.on_message(topic, std::move(payload), qos, retained);
    });
  }
  void delivery_complete(::mqtt::delivery_token_ptr) override {}

  // Action listener for publishes: the user context is a Completion.
  void on_success(const ::mqtt::token& tok) override { finish(tok, true); }
  void on_failure(const ::mqtt::token& tok) override { finish(tok, false); }
  void finish(const ::mqtt::token& tok, bool ok) {
    auto* completion = static_cast<Completion*>(tok.get_user_context());
    if (completion == nullptr) return;
    std::unique_ptr<Completion> owned(completion);
    if (!alive) return;
    completions.push({std::move(owned->done), ok});  // one loop wake-up per batch of PUBACKs
  }

  struct Done {
    std::function<void(bool)> done;
    bool ok;
  };
  net::Inbox<Done> completions{loop, [this](Done& d) {
                                 if (alive && d.done) d.done(d.ok);
                               }};
};

struct UpstreamConnection::Client : ::mqtt::async_client {
  using ::mqtt::async_client::async_client;
};

namespace {

// IoT Hub's login: the identity as client id, its user name (with the auth-chain), a SAS token.
UpstreamLogin iothub_login(const UpstreamEndpoint& endpoint, const iothub::Identity& identity,
                           const std::optional<std::string>& auth_chain, std::function<std::string()> password) {
  return {identity.id(),
          iothub::format_mqtt_username(endpoint.hostname, identity, iothub::kApiVersion, auth_chain,
                                       std::string_view("outpost-hub")),
          [password = std::move(password)]() -> std::optional<std::string> { return password(); }};
}

}  // namespace

UpstreamConnection::UpstreamConnection(net::EventLoop& loop, UpstreamEndpoint endpoint, iothub::Identity identity,
                                       std::optional<std::string> auth_chain, std::function<std::string()> password,
                                       Callbacks callbacks)
    : UpstreamConnection(loop, endpoint, iothub_login(endpoint, identity, auth_chain, std::move(password)),
                         identity.id(), std::move(callbacks)) {
  identity_ = std::move(identity);
}

UpstreamConnection::UpstreamConnection(net::EventLoop& loop, UpstreamEndpoint endpoint, UpstreamLogin login,
                                       std::string name, Callbacks callbacks)
    : loop_(loop),
      endpoint_(std::move(endpoint)),
      login_(std::move(login)),
      name_(std::move(name)),
      callbacks_(std::move(callbacks)),
      retry_timer_(loop.make_timer()) {
  shared_ = std::make_shared<Shared>(loop_, this);
  client_ = std::make_unique<Client>(endpoint_.server_uri, login_.client_id, ::mqtt::create_options(MQTTVERSION_3_1_1));
  client_->set_callback(*shared_);
}

UpstreamConnection::~UpstreamConnection() {
  shared_->alive = false;
  retry_timer_->cancel();
  try {
    if (client_->is_connected()) client_->disconnect(0)->wait_for(std::chrono::milliseconds(500));
  } catch (const std::exception&) {
    // shutting down: nothing to report to
  }
  try {
    client_->disable_callbacks();
  } catch (const std::exception&) {
    // Paho refuses while a connect is under way (a module left while the cloud is down):
    // `alive` already turns its callbacks away. Thrown out of a destructor it ended the hub.
  }
}

void UpstreamConnection::start() { connect(); }

void UpstreamConnection::connect() {
  if (connecting_ || connected_) return;
  connecting_ = true;
  auto builder = ::mqtt::connect_options_builder()
                     .mqtt_version(MQTTVERSION_3_1_1)
                     .keep_alive_interval(endpoint_.keep_alive)
                     .clean_session(false)
                     .connect_timeout(std::chrono::seconds(10));
  if (login_.username) builder.user_name(*login_.username);
  if (login_.password)
    if (auto password = login_.password()) builder.password(*password);
  if (endpoint_.server_uri.rfind("ssl://", 0) == 0) {
    ::mqtt::ssl_options ssl;
    if (!endpoint_.ca_file.empty()) ssl.set_trust_store(endpoint_.ca_file);
    ssl.set_enable_server_cert_auth(true);
    builder.ssl(std::move(ssl));
  }
  auto options = builder.finalize();
  struct ConnectListener : ::mqtt::iaction_listener {
    std::weak_ptr<Shared> shared;
    void on_success(const ::mqtt::token&) override {
      if (auto s = shared.lock()) s->on_loop([](UpstreamConnection& c) {
        c.connecting_ = false;
        if (c.connected_) return;  // Paho may report success through more than one path
        c.connected_ = true;
        c.backoff_ = std::chrono::milliseconds(0);
        for (const auto& [filter, qos] : c.subscriptions_) c.client_->subscribe(filter, qos);
        spdlog::info("upstream: '{}' connected to {}", c.name_, c.endpoint_.server_uri);
        if (c.callbacks_.on_connected) c.callbacks_.on_connected();
      });
    }
    void on_failure(const ::mqtt::token& tok) override {
      if (auto s = shared.lock()) s->on_loop([code = tok.get_return_code()](UpstreamConnection& c) {
        c.connecting_ = false;
        c.schedule_reconnect("connect failed (code " + std::to_string(code) + ")");
      });
    }
  };
  auto listener = std::make_shared<ConnectListener>();
  listener->shared = shared_;
  try {
    // Paho keeps a reference to the listener only for the duration of the call's token.
    auto token = client_->connect(options, nullptr, *listener);
    connect_listener_keepalive_ = listener;
    (void)token;
  } catch (const std::exception& e) {
    connecting_ = false;
    schedule_reconnect(std::string("connect: ") + e.what());
  }
}

void UpstreamConnection::schedule_reconnect(const std::string& reason) {
  const bool was_connected = connected_;
  connected_ = false;
  if (connecting_) return;
  backoff_ = backoff_.count() == 0 ? kMinBackoff : std::min(backoff_ * 2, kMaxBackoff);
  static thread_local std::mt19937 rng(std::random_device{}());
  const auto jitter = std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 1000)(rng));
  const auto delay = backoff_ + jitter;
  if (was_connected) spdlog::warn("upstream: '{}' lost its connection: {}", name_, reason);
  else spdlog::debug("upstream: '{}' not connected: {}; retrying in {} ms", name_, reason, delay.count());
  if (was_connected && callbacks_.on_lost) callbacks_.on_lost(reason);
  retry_timer_->start(std::chrono::duration_cast<std::chrono::milliseconds>(delay), [this] { connect(); });
}

void UpstreamConnection::publish(const std::string& topic, const std::string& payload, int qos,
                                 std::function<void(bool)> done) {
  if (!connected_) {
    if (done) done(false);
    return;
  }
  auto completion = std::make_unique<Completion>(Completion{std::move(done)});
  try {
    auto msg = ::mqtt::make_message(topic, payload, qos, false);
    client_->publish(msg, completion.get(), *shared_);
    completion.release();  // owned by Paho's token until on_success/on_failure
  } catch (const std::exception& e) {
    spdlog::debug("upstream: publish by '{}' failed: {}", name_, e.what());
    if (completion->done) completion->done(false);
  }
}

void UpstreamConnection::subscribe(const std::string& filter, int qos) {
  for (const auto& s : subscriptions_)
    if (s.first == filter) return;
  subscriptions_.emplace_back(filter, qos);
  if (connected_) {
    try {
      client_->subscribe(filter, qos);
    } catch (const std::exception& e) {
      spdlog::debug("upstream: subscribe by '{}' failed: {}", name_, e.what());
    }
  }
}

void UpstreamConnection::unsubscribe(const std::string& filter) {
  const auto it = std::find_if(subscriptions_.begin(), subscriptions_.end(), [&](const auto& s) { return s.first == filter; });
  if (it == subscriptions_.end()) return;
  subscriptions_.erase(it);
  if (connected_) {
    try {
      client_->unsubscribe(filter);
    } catch (const std::exception& e) {
      spdlog::debug("upstream: unsubscribe by '{}' failed: {}", name_, e.what());
    }
  }
}

}  // namespace outpost::hub

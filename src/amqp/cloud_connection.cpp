#include "cloud_connection.h"

#include <array>
#include <cstring>
#include <random>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <proton/connection_options.hpp>
#include <proton/error_condition.hpp>
#include <proton/receiver_options.hpp>
#include <proton/source.hpp>
#include <proton/target.hpp>
#include <proton/transport.hpp>
#include <spdlog/spdlog.h>

#include "cbs.h"
#include "cloud_channel.h"
#include "message_mapping.h"
#include "net_internal/asio_loop.h"
#include "outpost/net/address.h"

namespace outpost::amqp {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using tcp = asio::ip::tcp;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using asio::redirect_error;
using asio::use_awaitable;

constexpr auto kBackoffMin = std::chrono::milliseconds(1000);
constexpr auto kBackoffMax = std::chrono::milliseconds(60000);

std::int64_t proton_tick_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The cloud's side of the byte stream: TCP, or TLS verified against the host dialled, or
// (AmqpWs) AMQP over a WebSocket in that TLS, as IoT Hub serves it on 443.
class ClientTransport final : public net::StreamTransport {
 public:
  ClientTransport(asio::io_context& io, std::string host, std::uint16_t port, std::string ca_file, bool tls,
                  bool websocket)
      : host_(std::move(host)), port_(port), ca_file_(std::move(ca_file)), tls_(tls || websocket),
        websocket_(websocket), ssl_(asio::ssl::context::tls_client), stream_(io, ssl_), ws_(stream_) {}
  tcp::socket& socket() { return stream_.next_layer(); }
  asio::awaitable<void> handshake(error_code& ec) override {
    remote_address_ = net::describe_endpoint(socket());
    if (!tls_) co_return;
    ssl_.set_verify_mode(asio::ssl::verify_peer);
    if (ca_file_.empty()) ssl_.set_default_verify_paths(ec);
    else ssl_.load_verify_file(ca_file_, ec);
    if (ec) co_return;
    error_code not_an_ip;
    asio::ip::make_address(host_, not_an_ip);
    if (not_an_ip) {
      SSL_set_tlsext_host_name(stream_.native_handle(), host_.c_str());
      SSL_set1_host(stream_.native_handle(), host_.c_str());
    } else {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(stream_.native_handle()), host_.c_str());
    }
    co_await stream_.async_handshake(asio::ssl::stream_base::client, redirect_error(use_awaitable, ec));
    if (ec || !websocket_) co_return;
    ws_.set_option(websocket::stream_base::decorator([](websocket::request_type& request) {
      request.set(http::field::sec_websocket_protocol, kSubprotocol);
    }));
    websocket::response_type response;
    co_await ws_.async_handshake(response, host_ + ":" + std::to_string(port_), kPath,
                                 redirect_error(use_awaitable, ec));
    if (!ec && response[http::field::sec_websocket_protocol] != kSubprotocol) {
      spdlog::warn("upstream: the cloud's WebSocket did not take subprotocol {}", kSubprotocol);
      ec = websocket::error::upgrade_declined;
      co_return;
    }
    ws_.binary(true);
  }
  asio::awaitable<std::size_t> read_some(asio::mutable_buffer b, error_code& ec) override {
    if (websocket_) co_return co_await ws_.async_read_some(b, redirect_error(use_awaitable, ec));
    if (tls_) co_return co_await stream_.async_read_some(b, redirect_error(use_awaitable, ec));
    co_return co_await socket().async_read_some(b, redirect_error(use_awaitable, ec));
  }
  asio::awaitable<void> write(asio::const_buffer b, error_code& ec) override {
    if (websocket_) co_await ws_.async_write(b, redirect_error(use_awaitable, ec));
    else if (tls_) co_await asio::async_write(stream_, b, redirect_error(use_awaitable, ec));
    else co_await asio::async_write(socket(), b, redirect_error(use_awaitable, ec));
  }
  void close() override {
    error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
  }
  const char* name() const override { return websocket_ ? "amqpws" : tls_ ? "amqps" : "amqp"; }

 private:
  static constexpr const char* kSubprotocol = "AMQPWSB10";
  static constexpr const char* kPath = "/$iothub/websocket";
  std::string host_;
  std::uint16_t port_;
  std::string ca_file_;
  bool tls_;
  bool websocket_;
  asio::ssl::context ssl_;
  asio::ssl::stream<tcp::socket> stream_;
  websocket::stream<asio::ssl::stream<tcp::socket>&> ws_;
};

}  // namespace

CloudClient::Impl::Impl(net::EventLoop& loop, CloudClientSettings settings)
    : loop_(loop), settings_(std::move(settings)), timer_(std::make_unique<asio::steady_timer>(net::asio_context(loop))) {}

CloudClient::Impl::~Impl() {
  if (transport_) transport_->close();
}

void CloudClient::Impl::add(ChannelLinks& channel) {
  channels_.insert(&channel);
  if (open_) channel.connection_up();
  if (!running_) {
    running_ = true;
    asio::co_spawn(net::asio_context(loop_), [self = shared_from_this()] { return self->run(); }, asio::detached);
  }
}

void CloudClient::Impl::remove(ChannelLinks& channel) {
  channels_.erase(&channel);
  std::erase_if(senders_, [&](const auto& entry) { return entry.second == &channel; });
  std::erase_if(receivers_, [&](const auto& entry) { return entry.second == &channel; });
  if (channels_.empty() && driver_ && open_) driver_->connection().close();  // nobody left to carry
  schedule_pump();
}

void CloudClient::Impl::shut_down() {
  for (auto* channel : channels_) channel->forget();  // before the driver their handles point into goes
  channels_.clear();
  ++attempt_;
  open_ = false;
  timer_->cancel();
  if (transport_) transport_->close();
  cbs_waiting_.clear();
  senders_.clear();
  receivers_.clear();
  cbs_sender_.reset();
  asio::post(net::asio_context(loop_), [driver = std::shared_ptr<proton::io::connection_driver>(std::move(driver_)),
                                        transport = std::shared_ptr<net::StreamTransport>(std::move(transport_))] {});
}

asio::awaitable<bool> CloudClient::Impl::dial() {
  auto& io = net::asio_context(loop_);
  const auto target = net::parse_host_port(settings_.address);
  if (!target) {
    spdlog::error("upstream: AMQP address '{}': {}", settings_.address, target.error());
    co_return false;
  }
  auto transport = std::make_unique<ClientTransport>(io, target->host, target->port, settings_.ca_file, settings_.tls,
                                                     settings_.websocket);
  error_code ec;
  tcp::resolver resolver(io);
  const auto endpoints = co_await resolver.async_resolve(target->host, std::to_string(target->port),
                                                         redirect_error(use_awaitable, ec));
  if (!ec) co_await asio::async_connect(transport->socket(), endpoints, redirect_error(use_awaitable, ec));
  if (!ec) {
    transport->socket().set_option(tcp::no_delay(true), ec);
    co_await transport->handshake(ec);
  }
  if (ec) {
    spdlog::warn("upstream: AMQP connection to {} failed: {}", settings_.address, ec.message());
    co_return false;
  }
  transport_ = std::move(transport);
  co_return true;
}

asio::awaitable<void> CloudClient::Impl::run() {
  auto self = shared_from_this();
  while (!channels_.empty()) {
    const auto attempt = ++attempt_;
    if (co_await dial()) {
      driver_ = std::make_unique<proton::io::connection_driver>("outpost-hub");
      proton::connection_options options;
      options.handler(*this)
          .virtual_host(settings_.hostname)
          .sasl_enabled(false)  // as the Azure SDKs: the bare AMQP header, then CBS
          .idle_timeout(proton::duration(std::chrono::duration_cast<std::chrono::milliseconds>(settings_.idle_timeout).count()))
          .max_frame_size(64 * 1024);
      driver_->connect(options);
      pump();
      arm_timer();
      std::array<char, 16 * 1024> buffer;
      while (attempt == attempt_ && transport_) {
        error_code ec;
        const auto n = co_await transport_->read_some(asio::buffer(buffer), ec);
        if (attempt != attempt_ || !driver_) break;
        if (ec) {
          driver_->read_close();
          pump();
          lost("connection lost: " + ec.message());
          break;
        }
        feed(buffer.data(), n);
        pump();
      }
    }
    if (channels_.empty()) break;
    // Backoff, jittered, doubling to a minute; reset by a connection that opened.
    backoff_ = std::clamp(backoff_ * 2, kBackoffMin, kBackoffMax);
    thread_local std::minstd_rand rng(std::random_device{}());
    const auto wait = backoff_ / 2 + std::chrono::milliseconds(rng() % (backoff_.count() / 2 + 1));
    asio::steady_timer pause(net::asio_context(loop_), wait);
    error_code ignored;
    co_await pause.async_wait(redirect_error(use_awaitable, ignored));
  }
  running_ = false;
}

void CloudClient::Impl::feed(const char* data, std::size_t size) {
  while (size > 0 && driver_) {
    const auto space = driver_->read_buffer();
    if (space.size == 0) return;
    const auto n = std::min(size, space.size);
    std::memcpy(space.data, data, n);
    driver_->read_done(n);
    data += n;
    size -= n;
  }
}

void CloudClient::Impl::pump() {
  if (!driver_) return;
  if (pumping_) {
    pump_again_ = true;
    return;
  }
  auto self = shared_from_this();
  pumping_ = true;
  bool alive = true;
  do {
    pump_again_ = false;
    try {
      alive = driver_->dispatch();
    } catch (const std::exception& e) {
      spdlog::warn("upstream: AMQP: {}", e.what());
      driver_->disconnected(proton::error_condition("amqp:internal-error", e.what()));
    }
  } while (pump_again_ && driver_);
  pumping_ = false;
  if (!driver_) return;
  if (!write_in_progress_ && driver_->write_buffer().size > 0) {
    write_in_progress_ = true;
    asio::co_spawn(net::asio_context(loop_), [self] { return self->write_loop(); }, asio::detached);
  }
  if (!alive && !write_in_progress_) lost("connection closed");
}

asio::awaitable<void> CloudClient::Impl::write_loop() {
  auto self = shared_from_this();
  const auto attempt = attempt_;
  while (driver_ && attempt == attempt_) {
    const auto pending = driver_->write_buffer();
    if (pending.size == 0) break;
    writing_.assign(pending.data, pending.size);
    error_code ec;
    co_await transport_->write(asio::buffer(writing_), ec);
    if (attempt != attempt_ || !driver_) break;
    if (ec) {
      write_in_progress_ = false;
      lost("write failed: " + ec.message());
      co_return;
    }
    driver_->write_done(writing_.size());
  }
  write_in_progress_ = false;
  if (attempt == attempt_) pump();
}

void CloudClient::Impl::schedule_pump() {
  if (pumping_) {
    pump_again_ = true;
    return;
  }
  if (pump_posted_ || !driver_) return;
  pump_posted_ = true;
  asio::post(net::asio_context(loop_), [weak = weak_from_this()] {
    if (auto self = weak.lock()) {
      self->pump_posted_ = false;
      self->pump();
    }
  });
}

void CloudClient::Impl::after(std::chrono::milliseconds delay, std::function<void()> f) {
  auto timer = std::make_shared<asio::steady_timer>(net::asio_context(loop_), delay);
  timer->async_wait([timer, f = std::move(f)](const error_code& ec) {
    if (!ec) f();
  });
}

void CloudClient::Impl::arm_timer() {
  if (!driver_) return;
  const auto now = proton_tick_now();
  const auto next = driver_->tick(proton::timestamp(now)).milliseconds();
  auto due = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  if (next > 0) due = std::min(due, std::chrono::steady_clock::now() + std::chrono::milliseconds(next - now));
  timer_->expires_at(due);
  timer_->async_wait([weak = weak_from_this(), attempt = attempt_](const error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || attempt != self->attempt_ || !self->driver_) return;
    self->arm_timer();
    self->pump();
  });
}

// The connection is gone (or never opened): every channel hears it; run() redials.
void CloudClient::Impl::lost(const std::string& reason) {
  if (!driver_) return;
  if (open_) spdlog::warn("upstream: AMQP connection to {} lost: {}", settings_.address, reason);
  open_ = false;
  ++attempt_;  // this connection's coroutines stop
  if (transport_) transport_->close();
  timer_->cancel();
  for (auto& [id, done] : cbs_waiting_) done(0);
  cbs_waiting_.clear();
  cbs_sender_.reset();
  senders_.clear();
  receivers_.clear();
  const auto channels = channels_;
  for (auto* channel : channels) channel->connection_down(reason);
  // Freed from a posted task: Proton may be on the stack below us.
  asio::post(net::asio_context(loop_), [driver = std::shared_ptr<proton::io::connection_driver>(std::move(driver_)),
                                        transport = std::shared_ptr<net::StreamTransport>(std::move(transport_))] {});
}

void CloudClient::Impl::put_token(const std::string& audience, const std::string& token, std::function<void(int)> done) {
  if (!open_ || !cbs_sender_) return done(0);
  const auto id = "put-token-" + std::to_string(next_request_++);
  proton::message request;
  request.id(id);
  request.reply_to("cbs");
  request.to("$cbs");
  request.properties().put("operation", "put-token");
  request.properties().put("type", "servicebus.windows.net:sastoken");
  request.properties().put("name", audience);
  request.body(token);
  cbs_waiting_[id] = std::move(done);
  cbs_sender_->send(request);
  schedule_pump();
}

void CloudClient::Impl::on_connection_open(proton::connection& c) {
  open_ = true;
  backoff_ = std::chrono::milliseconds(0);
  spdlog::info("upstream: AMQP connection to {} open ({} identities)", settings_.address, channels_.size());
  cbs_sender_ = c.open_sender("$cbs");
  c.open_receiver("$cbs", proton::receiver_options().credit_window(100));
  const auto channels = channels_;
  for (auto* channel : channels) channel->connection_up();
}

void CloudClient::Impl::on_message(proton::delivery& d, proton::message& m) {
  const auto receiver = d.receiver();
  const auto owner = receivers_.find(receiver);
  if (owner != receivers_.end()) return owner->second->on_message(d, m, receiver);
  // $cbs replies
  const auto waiting = cbs_waiting_.find(id_to_string(m.correlation_id()));
  if (waiting == cbs_waiting_.end()) return;
  int status = 0;
  try {
    if (m.properties().exists("status-code")) status = proton::coerce<int>(m.properties().get("status-code"));
  } catch (const std::exception&) {
    status = 500;
  }
  auto done = std::move(waiting->second);
  cbs_waiting_.erase(waiting);
  done(status);
}

void CloudClient::Impl::on_tracker_settle(proton::tracker& t) {
  const auto owner = senders_.find(t.sender());
  if (owner != senders_.end()) owner->second->on_settled(t);
}

namespace {
// A link closed: the channel that owned it hears it (and forgets it).
template <typename Link>
void tell_owner_link_closed(std::map<Link, ChannelLinks*>& owners, Link& link) {
  const auto owner = owners.find(link);
  if (owner == owners.end()) return;
  auto* channel = owner->second;
  owners.erase(owner);
  channel->link_closed(link, link.error().what());
}
}  // namespace

void CloudClient::Impl::on_sender_close(proton::sender& s) { tell_owner_link_closed(senders_, s); }
void CloudClient::Impl::on_receiver_close(proton::receiver& r) { tell_owner_link_closed(receivers_, r); }

// The cloud ended a session (refused it, say): its links end with it, with no event of their
// own, so the channel that owned it starts over.
void CloudClient::Impl::on_session_close(proton::session& s) {
  const auto channels = channels_;
  for (auto* channel : channels)
    if (channels_.count(channel)) channel->session_closed(s, s.error().what());
}

void CloudClient::Impl::on_transport_error(proton::transport& t) {
  spdlog::warn("upstream: AMQP transport: {}", t.error().what());
}

// Proton's default throws, which ends the whole connection: one refused link or session
// would take every identity on it offline. Each is handled where it closes instead.
void CloudClient::Impl::on_error(const proton::error_condition& e) {
  spdlog::debug("upstream: AMQP: {}", e.what());
}

void CloudClient::Impl::on_connection_close(proton::connection& c) {
  if (c.error()) spdlog::warn("upstream: the cloud closed the AMQP connection: {}", c.error().what());
}

// ---- CloudClient ----

CloudClient::CloudClient(net::EventLoop& loop, CloudClientSettings settings)
    : impl_(std::make_shared<Impl>(loop, std::move(settings))) {}

CloudClient::~CloudClient() { impl_->shut_down(); }

std::unique_ptr<CloudChannel> CloudClient::channel(iothub::Identity identity, std::optional<std::string> auth_chain,
                                                   std::function<std::string()> token, CloudChannel::Callbacks callbacks) {
  return std::make_unique<ChannelLinks>(impl_, std::move(identity), std::move(auth_chain), std::move(token),
                                        std::move(callbacks));
}

bool CloudClient::connected() const { return impl_->connected(); }
std::size_t CloudClient::channel_count() const { return impl_->channel_count(); }

}  // namespace outpost::amqp

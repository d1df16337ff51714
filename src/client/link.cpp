#include "link.h"

#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "outpost/client/client_error.h"
#include "outpost/mqtt_codec/codec.h"

namespace outpost::client::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {
constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kMaxPacketBytes = 64 * 1024 * 1024;  // IoT Hub's messages are 256 KB; twins can be larger

ClientError transport_error(const LinkSettings& s, const std::string& what) {
  return ClientError(ErrorCode::transport, fmt::format("cannot connect to ssl://{}:{}: {}", s.host, s.port, what));
}
}  // namespace

// Everything on the I/O thread, plus what callers hand it under `mutex`.
struct Link::Io {
  Io(Link& owner, LinkSettings s) : link(owner), settings(std::move(s)) {}

  Link& link;
  LinkSettings settings;
  asio::io_context io{1};
  asio::ssl::context tls{asio::ssl::context::tls_client};
  std::optional<asio::ssl::stream<tcp::socket>> stream;
  tcp::resolver resolver{io};
  asio::steady_timer keep_alive{io};
  std::thread thread;
  mqtt::FrameReader reader{kMaxPacketBytes};

  // Shared with callers, under `mutex`.
  std::mutex mutex;
  std::string pending;        // encoded packets not yet handed to a write
  bool flush_posted = false;  // a flush will run: no need to post another
  std::uint16_t last_id = 0;
  std::map<std::uint16_t, std::uint64_t> awaiting_puback;  // packet id -> the Connection's sequence
  // The CONNACK's outcome: nullopt (accepted) or why not. A value, not an exception: an
  // exception_ptr freed on the I/O thread after the caller read it is a race ThreadSanitizer
  // reports (libstdc++ counts its references where TSan cannot see).
  std::shared_ptr<std::promise<std::optional<ClientError>>> connack_waiter;
  std::map<std::uint16_t, std::shared_ptr<std::promise<std::vector<std::uint8_t>>>> subacks;
  bool accepted = false;  // CONNACK 0 came: a loss from now on is reported
  bool closing = false;   // we end it: no link_lost
  bool close_when_written = false;
  std::shared_ptr<std::promise<void>> closed;

  std::atomic<bool> acks_held{false};  // set_acks_held

  // The I/O thread's own.
  bool ready = false;  // TLS is up: writes may go
  std::vector<std::uint16_t> held_acks;
  bool write_in_flight = false;
  bool ping_outstanding = false;
  std::string writing;

  std::uint16_t next_id() {  // under mutex
    do {
      ++last_id;
    } while (last_id == 0 || awaiting_puback.count(last_id) || subacks.count(last_id));
    return last_id;
  }

  template <typename Encode>
  void queue(Encode&& encode) {
    bool post = false;
    {
      std::lock_guard lock(mutex);
      encode(pending);
      post = !flush_posted;
      flush_posted = true;
    }
    if (post) asio::post(io, [this] { flush(); });
  }

  // Writes everything queued meanwhile as one write; called again when that write is done.
  void flush() {
    if (!ready || write_in_flight || link.lost_) return;
    bool close_now = false;
    {
      std::lock_guard lock(mutex);
      flush_posted = false;
      close_now = pending.empty() && close_when_written;
      if (!pending.empty()) {
        writing.swap(pending);
        pending.clear();
      }
    }
    if (close_now) return close_socket();  // DISCONNECT is out
    if (writing.empty()) return;
    write_in_flight = true;
    asio::async_write(*stream, asio::buffer(writing), [this](const error_code& ec, std::size_t) {
      write_in_flight = false;
      if (ec) return fail("writing to the hub: " + ec.message());
      writing.clear();
      flush();
    });
  }

  void start() {
    resolver.async_resolve(settings.host, std::to_string(settings.port),
                           [this](const error_code& ec, tcp::resolver::results_type endpoints) {
                             if (ec) return fail("resolve: " + ec.message());
                             asio::async_connect(stream->next_layer(), endpoints,
                                                 [this](const error_code& connect_ec, const tcp::endpoint&) {
                                                   if (connect_ec) return fail("connect: " + connect_ec.message());
                                                   error_code ignored;
                                                   stream->next_layer().set_option(tcp::no_delay(true), ignored);
                                                   handshake();
                                                 });
                           });
  }

  void handshake() {
    stream->async_handshake(asio::ssl::stream_base::client, [this](const error_code& ec) {
      if (ec) return fail("TLS: " + ec.message());
      ready = true;
      mqtt::ConnectPacket connect;
      connect.clean_session = false;  // IoT Hub keeps subscriptions across the token renewals
      connect.keep_alive_secs = static_cast<std::uint16_t>(settings.keep_alive.count());
      connect.client_id = settings.client_id;
      connect.username = settings.username;
      if (!settings.password.empty()) connect.password = settings.password;
      queue([&](std::string& out) { mqtt::encode(out, connect); });
      read();
    });
  }

  void read() {
    char* space = reader.prepare(kReadChunk);
    stream->async_read_some(asio::buffer(space, kReadChunk), [this](const error_code& ec, std::size_t n) {
      if (ec) return fail(ec == asio::error::eof || ec == asio::ssl::error::stream_truncated ? "the hub closed the connection"
                                                                                            : "reading: " + ec.message());
      reader.commit(n);
      while (true) {
        auto frame = reader.next();
        if (!frame) return fail("a malformed packet from the hub: " + frame.error());
        if (!*frame) break;
        auto packet = mqtt::decode_packet(**frame);
        if (!packet) return fail("a malformed packet from the hub: " + packet.error());
        handle(*packet);
        if (link.lost_) return;
      }
      read();
    });
  }

  void handle(mqtt::Packet& packet) {
    if (auto* publish = std::get_if<mqtt::PublishPacket>(&packet)) {
      const auto id = publish->packet_id;
      const bool ack = publish->qos > 0;
      // Handed over (queued for the handler), then acknowledged, as the SDK documents — or
      // held back while the handlers are behind.
      link.events_.link_message(std::move(publish->topic), std::move(publish->payload));
      if (ack && acks_held) held_acks.push_back(id);
      else if (ack) queue([id](std::string& out) { mqtt::encode(out, mqtt::PubackPacket{id}); });
    } else if (const auto* puback = std::get_if<mqtt::PubackPacket>(&packet)) {
      std::optional<std::uint64_t> sequence;
      {
        std::lock_guard lock(mutex);
        if (auto it = awaiting_puback.find(puback->packet_id); it != awaiting_puback.end()) {
          sequence = it->second;
          awaiting_puback.erase(it);
        }
      }
      if (sequence) link.events_.link_acked(link.generation_, *sequence, true);
    } else if (const auto* connack = std::get_if<mqtt::ConnackPacket>(&packet)) {
      std::shared_ptr<std::promise<std::optional<ClientError>>> waiting;
      {
        std::lock_guard lock(mutex);
        waiting = std::move(connack_waiter);
        accepted = connack->return_code == mqtt::ConnectReturnCode::accepted;
      }
      if (!waiting) return fail("an unexpected CONNACK");
      if (connack->return_code == mqtt::ConnectReturnCode::accepted) {
        waiting->set_value(std::nullopt);
        arm_keep_alive();
        return;
      }
      const auto code = static_cast<int>(connack->return_code);
      const bool refused = connack->return_code == mqtt::ConnectReturnCode::bad_username_or_password ||
                           connack->return_code == mqtt::ConnectReturnCode::not_authorized;
      waiting->set_value(
          refused ? ClientError(ErrorCode::auth_refused,
                                fmt::format("ssl://{}:{} refused the credentials of '{}' (CONNACK {})", settings.host,
                                            settings.port, settings.client_id, code))
                  : transport_error(settings, fmt::format("CONNACK {}", code)));
      fail(fmt::format("CONNACK {}", code));
    } else if (const auto* suback = std::get_if<mqtt::SubackPacket>(&packet)) {
      std::shared_ptr<std::promise<std::vector<std::uint8_t>>> waiting;
      {
        std::lock_guard lock(mutex);
        if (auto it = subacks.find(suback->packet_id); it != subacks.end()) {
          waiting = std::move(it->second);
          subacks.erase(it);
        }
      }
      if (waiting) waiting->set_value(suback->return_codes);
    } else if (std::holds_alternative<mqtt::PingrespPacket>(packet)) {
      ping_outstanding = false;
    } else {
      fail(fmt::format("an unexpected packet from the hub (type {})", static_cast<int>(packet.index()) + 1));
    }
  }

  // A PINGREQ every keep-alive interval; one still unanswered at the next is a dead link.
  void arm_keep_alive() {
    if (settings.keep_alive.count() <= 0) return;
    keep_alive.expires_after(settings.keep_alive);
    keep_alive.async_wait([this](const error_code& ec) {
      if (ec || link.lost_) return;
      if (ping_outstanding) return fail("no PINGRESP from the hub within the keep-alive interval");
      ping_outstanding = true;
      queue([](std::string& out) { mqtt::encode(out, mqtt::PingreqPacket{}); });
      arm_keep_alive();
    });
  }

  void close_socket() {
    error_code ignored;
    keep_alive.cancel();
    resolver.cancel();
    if (stream) {
      stream->next_layer().shutdown(tcp::socket::shutdown_both, ignored);
      stream->next_layer().close(ignored);
    }
    std::shared_ptr<std::promise<void>> done;
    {
      std::lock_guard lock(mutex);
      done = std::move(closed);
    }
    if (done) done->set_value();
  }

  // The link is over: close, wake whoever waits, and tell the Connection (once, and only for a
  // connection it had and did not end itself).
  void fail(const std::string& cause) {
    if (link.lost_.exchange(true)) return;
    close_socket();
    std::shared_ptr<std::promise<std::optional<ClientError>>> waiting_connack;
    std::map<std::uint16_t, std::shared_ptr<std::promise<std::vector<std::uint8_t>>>> waiting_subacks;
    bool report = false;
    {
      std::lock_guard lock(mutex);
      waiting_connack = std::move(connack_waiter);
      waiting_subacks.swap(subacks);
      report = accepted && !closing;
    }
    if (waiting_connack) waiting_connack->set_value(transport_error(settings, cause));
    for (auto& [id, promise] : waiting_subacks) promise->set_value({});
    if (report) link.events_.link_lost(link.generation_, cause);
  }
};

Link::Link(LinkEvents& events, std::uint64_t generation, LinkSettings settings)
    : events_(events), generation_(generation), io_(std::make_unique<Io>(*this, std::move(settings))) {}

Link::~Link() {
  {
    std::lock_guard lock(io_->mutex);
    io_->closing = true;
  }
  io_->io.stop();
  if (io_->thread.joinable()) io_->thread.join();
}

void Link::connect() {
  auto& io = *io_;
  const auto& s = io.settings;
  error_code ec;
  io.tls.set_verify_mode(asio::ssl::verify_peer);
  if (s.ca_file.empty()) io.tls.set_default_verify_paths(ec);
  else io.tls.load_verify_file(s.ca_file, ec);
  if (ec) throw transport_error(s, "CA '" + s.ca_file + "': " + ec.message());
  if (!s.certificate_file.empty()) {
    io.tls.use_certificate_chain_file(s.certificate_file, ec);
    if (ec) throw transport_error(s, "certificate '" + s.certificate_file + "': " + ec.message());
    io.tls.use_private_key_file(s.private_key_file, asio::ssl::context::pem, ec);
    if (ec) throw transport_error(s, "key '" + s.private_key_file + "': " + ec.message());
  }
  io.stream.emplace(io.io, io.tls);
  // The hub's certificate must name the host we dialled: a DNS name (also sent as SNI) or an address.
  error_code not_an_address;
  asio::ip::make_address(s.host, not_an_address);
  if (not_an_address) {
    SSL_set_tlsext_host_name(io.stream->native_handle(), s.host.c_str());
    SSL_set1_host(io.stream->native_handle(), s.host.c_str());
  } else {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(io.stream->native_handle()), s.host.c_str());
  }
  auto connected = std::make_shared<std::promise<std::optional<ClientError>>>();
  auto future = connected->get_future();
  {
    std::lock_guard lock(io.mutex);
    io.connack_waiter = connected;
  }
  asio::post(io.io, [&io] { io.start(); });
  io.thread = std::thread([&io] { io.io.run(); });
  if (future.wait_for(s.connect_timeout) != std::future_status::ready) {
    asio::post(io.io, [&io] { io.fail("no CONNACK in time"); });
    throw ClientError(ErrorCode::timeout, fmt::format("no CONNACK from ssl://{}:{} in time", s.host, s.port));
  }
  if (auto refused = future.get()) throw *refused;  // what the I/O thread found
}

bool Link::subscribe(const std::vector<std::pair<std::string, int>>& filters, std::chrono::milliseconds limit) {
  auto& io = *io_;
  auto answered = std::make_shared<std::promise<std::vector<std::uint8_t>>>();
  auto future = answered->get_future();
  mqtt::SubscribePacket packet;
  for (const auto& [filter, qos] : filters) packet.subscriptions.push_back({filter, static_cast<std::uint8_t>(qos)});
  std::uint16_t id = 0;
  {
    std::lock_guard lock(io.mutex);
    if (lost_) return false;
    id = io.next_id();
    packet.packet_id = id;
    io.subacks[id] = answered;
  }
  io.queue([&packet](std::string& out) { mqtt::encode(out, packet); });
  if (future.wait_for(limit) != std::future_status::ready) {
    std::lock_guard lock(io.mutex);
    io.subacks.erase(id);
    return false;
  }
  const auto codes = future.get();
  if (codes.empty()) return false;  // the link broke
  for (std::size_t i = 0; i < codes.size() && i < filters.size(); ++i)
    if (codes[i] == mqtt::kSubackFailure)
      throw ClientError(ErrorCode::transport, fmt::format("the hub refused the subscription to {}", filters[i].first));
  return true;
}

void Link::publish(const std::string& topic, const std::string& payload, std::uint64_t sequence) {
  if (lost_) return;
  io_->queue([&](std::string& out) {  // runs under the mutex: the id is taken there
    const auto id = io_->next_id();
    io_->awaiting_puback.emplace(id, sequence);
    mqtt::encode_publish(out, topic, payload, 1, id);
  });
}

bool Link::publish_now(const std::string& topic, const std::string& payload) {
  if (lost_) return false;
  io_->queue([&](std::string& out) { mqtt::encode_publish(out, topic, payload, 0, 0); });
  return true;
}

void Link::set_acks_held(bool held) {
  io_->acks_held = held;
  if (held) return;
  asio::post(io_->io, [io = io_.get()] {
    if (io->acks_held || io->held_acks.empty()) return;
    auto ids = std::move(io->held_acks);
    io->held_acks.clear();
    io->queue([&ids](std::string& out) {
      for (const auto id : ids) mqtt::encode(out, mqtt::PubackPacket{id});
    });
  });
}

void Link::disconnect(std::chrono::milliseconds limit) {
  auto& io = *io_;
  auto done = std::make_shared<std::promise<void>>();
  auto future = done->get_future();
  {
    std::lock_guard lock(io.mutex);
    io.closing = true;
    io.close_when_written = true;
    io.closed = done;
  }
  if (lost_) return;
  io.queue([](std::string& out) { mqtt::encode(out, mqtt::DisconnectPacket{}); });
  future.wait_for(limit);
}

}  // namespace outpost::client::detail

#include "session.h"

#include <algorithm>
#include <random>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace outpost::mqtt {

namespace {
// A connection reads into a buffer sized to its traffic: Session::kMinReadChunk while it is
// quiet (a thousand idle subscribers then hold 4 MB, not the 64 MB a fixed 64 KiB cost),
// doubling up to 64 KiB while reads fill it, halving again once they no longer do.
constexpr std::size_t kMaxReadChunk = 64 * 1024;
constexpr auto kQuietBeforeDirectWrite = std::chrono::microseconds(200);
// How long a closed MQTT 5 connection waits for its DISCONNECT to be written before the
// socket closes anyway (a client that stopped reading).
constexpr auto kDisconnectGrace = std::chrono::seconds(2);

// The DISCONNECT an MQTT 5 client gets when its connection ends for `reason` (§3.14.2.1);
// 0: none (it left, or the socket is gone). The handler closes with server_closed: an
// administrative action (a policy change, the store failing); the server's own closes say more.
std::uint8_t disconnect_code_for(CloseReason reason) {
  switch (reason) {
    case CloseReason::client_disconnect:
    case CloseReason::client_disconnect_with_will:
    case CloseReason::transport_error: return 0;
    case CloseReason::protocol_error: return disconnect_reason::protocol_error;
    case CloseReason::keep_alive_timeout: return disconnect_reason::keep_alive_timeout;
    case CloseReason::taken_over: return disconnect_reason::session_taken_over;
    case CloseReason::server_closed: return disconnect_reason::administrative_action;
  }
  return 0;
}
}  // namespace

const char* close_reason_name(CloseReason reason) {
  switch (reason) {
    case CloseReason::client_disconnect: return "client disconnected";
    case CloseReason::client_disconnect_with_will: return "client disconnected, asking for its will";
    case CloseReason::protocol_error: return "protocol error";
    case CloseReason::transport_error: return "connection lost";
    case CloseReason::keep_alive_timeout: return "keep-alive timeout";
    case CloseReason::taken_over: return "replaced by a new connection";
    case CloseReason::server_closed: return "closed by server";
  }
  return "?";
}

Session::Session(asio::any_io_executor executor, std::unique_ptr<net::StreamTransport> transport,
                 SessionContext context, std::uint64_t id)
    : executor_(std::move(executor)),
      transport_(std::move(transport)),
      context_(std::move(context)),
      id_(id),
      reader_(context_.options.max_packet_bytes),
      wake_(executor_),
      deadline_(executor_) {}

Session::~Session() = default;

std::string Session::describe() const {
  return client_id_.empty() ? transport_->remote_address()
                            : "'" + client_id_ + "' (" + transport_->remote_address() + ")";
}

void Session::start() {
  reader_.set_max_packet_bytes(std::min(context_.options.limits.max_connect_bytes, context_.options.max_packet_bytes));
  // The handshake (TLS, WebSocket upgrade) has its own short deadline; CONNECT must arrive
  // within connect_timeout of the accept.
  const auto accepted_at = std::chrono::steady_clock::now();
  arm_connect_deadline(accepted_at + std::min<std::chrono::steady_clock::duration>(
                                         context_.options.limits.tls_handshake_timeout, context_.options.limits.connect_timeout),
                       "no handshake within the handshake timeout");
  asio::co_spawn(executor_, [self = shared_from_this(), accepted_at] { return self->run(accepted_at); },
                 asio::detached);
}

void Session::arm_connect_deadline(std::chrono::steady_clock::time_point due, const char* detail) {
  deadline_.expires_at(due);
  deadline_.async_wait([weak = weak_from_this(), detail](const error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->connected_ || self->closed_) return;
    spdlog::info("mqtt: closing {}: {}", self->describe(), detail);
    self->close(CloseReason::protocol_error, detail);
  });
}

asio::awaitable<void> Session::run(std::chrono::steady_clock::time_point accepted_at) {
  error_code ec;
  co_await transport_->handshake(ec);
  if (closed_) co_return;
  if (ec) {
    close(CloseReason::transport_error,
          transport_->handed_over() ? "handed over (HTTPS, AMQP)" : "handshake failed: " + ec.message());
    co_return;
  }
  arm_connect_deadline(accepted_at + context_.options.limits.connect_timeout, "no CONNECT within the connect timeout");
  while (!closed_) {
    process_input();
    context_.pending_writes->write_all();
    flush();
    if (closed_) break;
    if (reading_stopped()) {
      wake_.expires_at(asio::steady_timer::time_point::max());
      error_code ignored;
      co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      continue;
    }
    char* space = reader_.prepare(read_chunk_);
    const std::size_t n = co_await transport_->read_some(asio::buffer(space, read_chunk_), ec);
    if (closed_) break;
    if (ec) {
      close(CloseReason::transport_error,
            ec == asio::error::eof ? "peer closed the connection" : ec.message());
      break;
    }
    reader_.commit(n);
    if (n == read_chunk_ && read_chunk_ < kMaxReadChunk) read_chunk_ *= 2;
    else if (n < read_chunk_ / 4 && read_chunk_ > kMinReadChunk) read_chunk_ /= 2;
    last_received_ = std::chrono::steady_clock::now();
  }
}

void Session::process_input() {
  // Held frames first: they arrived before anything still in the reader.
  while (!closed_ && !reading_paused() && !held_frames_.empty()) {
    const auto held = std::move(held_frames_.front());
    held_frames_.pop_front();
    held_bytes_ -= held.body.size() + 1;
    handle_frame(Frame{held.first_byte, held.body});
  }
  while (!closed_) {
    auto frame = reader_.next();
    if (!frame)
      return protocol_error(frame.error(), reader_.oversized() ? disconnect_reason::packet_too_large
                                                               : disconnect_reason::malformed_packet);
    if (!*frame) return;
    const Frame& f = **frame;
    if (!reading_paused() && held_frames_.empty()) {
      handle_frame(f);
      continue;
    }
    // Paused: a PINGREQ has no order to keep, so it is answered now (a publisher held back
    // by a full store must not look dead to its client); everything else waits its turn.
    if (connected_ && f.first_byte == 0xC0 && f.body.empty()) {
      encode(out_, PingrespPacket{});
      continue;
    }
    held_bytes_ += f.body.size() + 1;
    held_frames_.push_back({f.first_byte, std::string(f.body)});
  }
}

bool Session::reading_stopped() const { return held_bytes_ >= context_.options.max_held_inbound_bytes; }

void Session::schedule_processing() {
  if (process_posted_ || closed_) return;
  process_posted_ = true;
  asio::post(executor_, [self = shared_from_this()] {
    self->process_posted_ = false;
    if (self->closed_) return;
    self->process_input();
    self->context_.pending_writes->write_all();
    self->flush();
    self->wake_reader();  // if it stopped reading with the held frames at their cap
  });
}

void Session::close_after_output(CloseReason reason, std::string_view detail) {
  if (out_.empty() && !write_in_progress_) return close(reason, detail);
  refused_ = true;  // read nothing more
  closing_reason_ = reason;
  closing_detail_ = detail;
  flush();
}

void Session::handle_frame(const Frame& frame) {
  if (refused_) return;
  auto decoded = decode_packet(frame, protocol_level_);
  if (!decoded) {
    protocol_error(decoded.error(), disconnect_reason::malformed_packet);
    return;
  }
  auto& packet = *decoded;
  if (!connected_ && !std::holds_alternative<ConnectPacket>(packet)) {
    protocol_error(std::string("expected CONNECT, got ") + packet_type_name(frame.type()));
    return;
  }
  // A handler that throws is a bug; it costs this connection, not the server (an exception
  // out of the read coroutine would end the event loop and every other client with it).
  try {
    dispatch(frame, packet);
  } catch (const std::exception& e) {
    spdlog::error("mqtt: closing {}: the handler failed on {}: {}", describe(), packet_type_name(frame.type()), e.what());
    close_with(CloseReason::server_closed, disconnect_reason::implementation_specific_error, "internal error");
  }
}

void Session::dispatch(const Frame& frame, Packet& packet) {
  std::visit(
      [&](auto& p) {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, ConnectPacket>) {
          if (connected_) return protocol_error("second CONNECT on one connection");
          handle_connect(std::move(p));
        } else if constexpr (std::is_same_v<T, PublishPacket>) {
          handle_publish(std::move(p));
        } else if constexpr (std::is_same_v<T, PubackPacket>) {
          handle_puback(p.packet_id);
        } else if constexpr (std::is_same_v<T, SubscribePacket>) {
          handle_subscribe(p);
        } else if constexpr (std::is_same_v<T, UnsubscribePacket>) {
          handle_unsubscribe(p);
        } else if constexpr (std::is_same_v<T, PingreqPacket>) {
          encode(out_, PingrespPacket{}, protocol_level_);
        } else if constexpr (std::is_same_v<T, DisconnectPacket>) {
          if (const auto expiry = p.properties.session_expiry_interval) {
            // §3.14.2.2.2: a session that was to end with its connection cannot be kept now.
            if (connect_session_expiry_ == 0 && *expiry > 0)
              return protocol_error("DISCONNECT sets a Session Expiry Interval; the CONNECT's was 0");
            disconnect_session_expiry_ = *expiry;
          }
          // Whatever is queued (a CONNACK sent in the same write, owed PUBACKs) goes out first.
          // Any reason but 0 keeps the will (§3.1.2.5): 0x04 asks for it, the others are errors.
          close_after_output(p.reason_code == disconnect_reason::normal ? CloseReason::client_disconnect
                                                                        : CloseReason::client_disconnect_with_will,
                             "DISCONNECT");
        } else if constexpr (std::is_same_v<T, PubrelPacket>) {
          if (!context_.options.accept_qos2) return protocol_error("QoS 2 is not supported");
          handle_pubrel(p.packet_id);
        } else if constexpr (std::is_same_v<T, PubrecPacket>) {
          handle_pubrec(p.packet_id);
        } else if constexpr (std::is_same_v<T, PubcompPacket>) {
          handle_pubcomp(p.packet_id);
        } else {
          protocol_error(std::string(packet_type_name(frame.type())) + " is not sent by clients");
        }
      },
      packet);
}

void Session::handle_connect(ConnectPacket&& packet) {
  client_id_ = packet.client_id;
  ConnackPacket connack;
  const bool v5 = packet.protocol_name == "MQTT" && packet.protocol_level == kMqtt5;
  if (v5) protocol_level_ = kMqtt5;
  if (packet.protocol_name != "MQTT" || (packet.protocol_level != kMqtt311 && !v5)) {
    connack.return_code = ConnectReturnCode::unacceptable_protocol_version;
    spdlog::info("mqtt: refusing {}: protocol {} level {} (MQTT 3.1.1 and 5 are served)", describe(),
                 packet.protocol_name, packet.protocol_level);
  } else if (v5 && packet.properties.authentication_method) {
    connack.return_code = ConnectReturnCode::not_authorized;
    connack.reason_code = 0x8C;  // Bad authentication method: no enhanced authentication here
    spdlog::info("mqtt: refusing {}: enhanced authentication ('{}') is not supported", describe(),
                 *packet.properties.authentication_method);
  } else if (packet.client_id.empty() && !packet.clean_session && !v5) {
    connack.return_code = ConnectReturnCode::identifier_rejected;  // §3.1.3.1: no session to keep
    spdlog::info("mqtt: refusing {}: empty client identifier with cleanSession=0", describe());
  } else {
    if (packet.client_id.empty()) {
      // §3.1.3.1: the server assigns one (mosquitto_pub and others send none). Random, so it
      // takes over no one else's connection; MQTT 5 tells the client which.
      static thread_local std::mt19937_64 rng(std::random_device{}());
      packet.client_id = fmt::format("auto-{:016x}", rng());
      client_id_ = packet.client_id;
      if (v5) connack.properties.assigned_client_identifier = packet.client_id;
    }
    if (v5) {
      // A session outlives its connection only with a Session Expiry Interval (§3.1.2.11.2);
      // the handler knows persistence as 3.1.1's cleanSession=0.
      if (packet.properties.session_expiry_interval.value_or(0) == 0) packet.clean_session = true;
      client_receive_maximum_ = packet.properties.receive_maximum.value_or(65535);
      client_maximum_packet_size_ = packet.properties.maximum_packet_size;
      connect_session_expiry_ = packet.properties.session_expiry_interval.value_or(0);
      connack.properties.topic_alias_maximum = kTopicAliasMaximum;
      connack.properties.maximum_packet_size = static_cast<std::uint32_t>(context_.options.max_packet_bytes);
      if (!context_.options.accept_qos2) connack.properties.maximum_qos = 1;
      connack.properties.subscription_identifier_available = context_.options.subscription_identifiers ? 1 : 0;
      connack.properties.shared_subscription_available = context_.options.shared_subscriptions ? 1 : 0;
    }
    const auto self = shared_from_this();
    const auto decision = context_.handler.on_connect(self, packet);
    if (closed_) return;
    connack.return_code = decision.code;
    connack.session_present = decision.code == ConnectReturnCode::accepted && decision.session_present;
  }
  if (connack.reason_code == 0) connack.reason_code = v5_reason_code(connack.return_code);
  if (connack.return_code != ConnectReturnCode::accepted) connack.properties = {};
  encode(out_, connack, protocol_level_);
  if (connack.return_code != ConnectReturnCode::accepted) {
    // Ignore anything else the client sends; close once CONNACK is out.
    close_after_output(CloseReason::server_closed, "connection refused");
    return;
  }
  connected_ = true;
  reader_.set_max_packet_bytes(context_.options.max_packet_bytes);
  if (context_.on_authenticated) context_.on_authenticated(id_);
  handler_knows_ = true;
  deadline_.cancel();
  if (packet.keep_alive_secs > 0) {
    // MQTT 3.1.1 §3.1.2.10: one and a half times the keep-alive period.
    keep_alive_limit_ = std::chrono::milliseconds(packet.keep_alive_secs * 1500);
    arm_keep_alive();
  }
}

void Session::arm_keep_alive() {
  const auto due = last_received_ + keep_alive_limit_;
  deadline_.expires_at(due);
  deadline_.async_wait([weak = weak_from_this()](const error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->closed_) return;
    // Silence while the hub itself stopped reading (back-pressure) is not the client's fault.
    if (self->reading_stopped()) self->last_received_ = std::chrono::steady_clock::now();
    if (std::chrono::steady_clock::now() >= self->last_received_ + self->keep_alive_limit_) {
      self->close(CloseReason::keep_alive_timeout, "no packet within 1.5x the keep-alive");
    } else {
      self->arm_keep_alive();
    }
  });
}

bool Session::resolve_topic_alias(PublishPacket& packet) {
  const auto alias = *packet.properties.topic_alias;
  if (alias > kTopicAliasMaximum) {
    protocol_error(fmt::format("Topic Alias {} is above the maximum {}", alias, kTopicAliasMaximum));
    return false;
  }
  if (!packet.topic.empty()) {
    topic_aliases_[alias] = packet.topic;
    return true;
  }
  const auto it = topic_aliases_.find(alias);
  if (it == topic_aliases_.end()) {
    protocol_error(fmt::format("Topic Alias {} was never set", alias));
    return false;
  }
  packet.topic = it->second;
  return true;
}

void Session::handle_publish(PublishPacket&& packet) {
  if (packet.qos == 2 && !context_.options.accept_qos2)
    return protocol_error("QoS 2 PUBLISH is not supported (as IoT Hub)");
  if (packet.properties.topic_alias && !resolve_topic_alias(packet)) return;
  PublishTicket ticket = 0;
  if (packet.qos == 2 && qos2_pending(packet.packet_id)) {
    // Sent again before our PUBREC arrived or before its PUBREL: received once already.
    ticket = first_ticket_ + owed_acks_.size();
    owed_acks_.push_back({packet.packet_id, false, true});
    complete_publish(ticket, 0);
    return;
  }
  if (packet.qos > 0) {
    ticket = first_ticket_ + owed_acks_.size();
    owed_acks_.push_back({packet.packet_id, false, packet.qos == 2});
  }
  context_.handler.on_publish(shared_from_this(), std::move(packet), ticket);
}

bool Session::qos2_pending(std::uint16_t packet_id) const {
  if (awaiting_pubrel_.count(packet_id) > 0) return true;
  for (const auto& owed : owed_acks_)
    if (owed.qos2 && owed.packet_id == packet_id) return true;
  return false;
}

void Session::handle_pubrel(std::uint16_t packet_id) {
  // PUBCOMP even for an unknown id: the client may resend PUBREL after we already forgot it.
  awaiting_pubrel_.erase(packet_id);
  encode(out_, Packet{PubcompPacket{packet_id}}, protocol_level_);
}

void Session::complete_publish(PublishTicket ticket, std::uint8_t reason_code) {
  if (closed_ || ticket < first_ticket_ || ticket >= first_ticket_ + owed_acks_.size()) return;
  auto& completed = owed_acks_[ticket - first_ticket_];
  completed.done = true;
  if (protocol_level_ >= kMqtt5) completed.reason = reason_code;
  const bool was_paused = reading_paused();
  bool sent = false;
  while (!owed_acks_.empty() && owed_acks_.front().done) {
    const auto& owed = owed_acks_.front();
    if (owed.qos2) {
      encode(out_, Packet{PubrecPacket{owed.packet_id, owed.reason}}, protocol_level_);
      if (owed.reason < 0x80) awaiting_pubrel_.insert(owed.packet_id);  // a refusal ends the exchange (§4.3.3)
    } else {
      encode(out_, PubackPacket{owed.packet_id, owed.reason}, protocol_level_);
    }
    owed_acks_.pop_front();
    ++first_ticket_;
    sent = true;
  }
  if (sent) request_flush();
  if (was_paused && !reading_paused()) schedule_processing();
}

void Session::handle_puback(std::uint16_t packet_id) {
  const auto it = in_flight_.find(packet_id);
  if (it == in_flight_.end() || it->second.qos != 1) {
    spdlog::debug("mqtt: {} acknowledged packet id {}, not a QoS 1 delivery in flight", describe(), packet_id);
    return;
  }
  const auto tag = it->second.tag;
  in_flight_.erase(it);
  send_waiting();
  context_.handler.on_delivered(shared_from_this(), tag);
}

void Session::handle_pubrec(std::uint16_t packet_id) {
  const auto it = in_flight_.find(packet_id);
  if (it == in_flight_.end() || it->second.qos != 2)
    return protocol_error(fmt::format("PUBREC for packet id {}, not a QoS 2 delivery in flight", packet_id));
  it->second.released = true;  // a repeated PUBREC gets the PUBREL again (§4.3.3)
  encode(out_, Packet{PubrelPacket{packet_id}}, protocol_level_);
  request_flush();
}

void Session::handle_pubcomp(std::uint16_t packet_id) {
  const auto it = in_flight_.find(packet_id);
  if (it == in_flight_.end() || !it->second.released)
    return protocol_error(fmt::format("PUBCOMP for packet id {}, not a released QoS 2 delivery", packet_id));
  const auto tag = it->second.tag;
  in_flight_.erase(it);
  send_waiting();
  context_.handler.on_delivered(shared_from_this(), tag);
}

void Session::handle_subscribe(const SubscribePacket& packet) {
  std::vector<std::uint8_t> codes;
  if (const auto& ids = packet.properties.subscription_identifiers; !ids.empty()) {
    if (!context_.options.subscription_identifiers) {
      protocol_error("a Subscription Identifier, which this server does not support (CONNACK said so)");
      return;
    }
    auto subscriptions = packet.subscriptions;
    for (auto& s : subscriptions) s.subscription_id = ids.front();
    codes = context_.handler.on_subscribe(shared_from_this(), subscriptions);
  } else {
    codes = context_.handler.on_subscribe(shared_from_this(), packet.subscriptions);
  }
  codes.resize(packet.subscriptions.size(), kSubackFailure);
  if (protocol_level_ < kMqtt5)  // 3.1.1 knows one failure code (§3.9.3)
    for (auto& code : codes)
      if (code > 2) code = kSubackFailure;
  if (!closed_) encode(out_, SubackPacket{packet.packet_id, std::move(codes), {}}, protocol_level_);
}

void Session::handle_unsubscribe(const UnsubscribePacket& packet) {
  context_.handler.on_unsubscribe(shared_from_this(), packet.filters);
  // MQTT 5 wants a reason per filter: success (the handler does not say which it held).
  if (!closed_)
    encode(out_, UnsubackPacket{packet.packet_id, std::vector<std::uint8_t>(packet.filters.size(), 0), {}},
           protocol_level_);
}

std::uint16_t Session::next_packet_id() {
  // Skip 0 and ids still in flight; the caller bounds in-flight well below 65535.
  do {
    ++last_packet_id_;
  } while (last_packet_id_ == 0 || in_flight_.count(last_packet_id_) > 0);
  return last_packet_id_;
}

void Session::publish(std::string_view topic, std::string_view payload, std::uint8_t qos,
                      std::uint64_t tag, bool dup, bool retain, const Properties* properties) {
  if (protocol_level_ < kMqtt5) properties = nullptr;
  if (closed_) return;
  if (qos > 0 && (in_flight_.size() >= client_receive_maximum_ || !waiting_.empty())) {
    // MQTT 5 flow control: the client takes at most Receive Maximum at once (§4.9).
    if (waiting_.size() >= 65000) {
      close_with(CloseReason::server_closed, disconnect_reason::quota_exceeded,
                 "too many deliveries waiting for the client's Receive Maximum");
      return;
    }
    waiting_.push_back({std::string(topic), std::string(payload), qos, tag, retain,
                        properties ? std::make_unique<Properties>(*properties) : nullptr});
    return;
  }
  encode_delivery(topic, payload, qos, tag, dup, retain, properties);
}

void Session::send_waiting() {
  while (!waiting_.empty() && in_flight_.size() < client_receive_maximum_ && !closed_) {
    const auto w = std::move(waiting_.front());
    waiting_.pop_front();
    encode_delivery(w.topic, w.payload, w.qos, w.tag, false, w.retain, w.properties.get());
  }
}

void Session::encode_delivery(std::string_view topic, std::string_view payload, std::uint8_t qos,
                              std::uint64_t tag, bool dup, bool retain, const Properties* properties) {
  std::uint16_t packet_id = 0;
  if (qos > 0) {
    if (in_flight_.size() >= 65000) {
      close_with(CloseReason::server_closed, disconnect_reason::quota_exceeded, "too many unacknowledged deliveries");
      return;
    }
    packet_id = next_packet_id();
    qos = std::min<std::uint8_t>(qos, 2);
    in_flight_.emplace(packet_id, InFlight{tag, qos});
  }
  static const Properties kNone;
  encode_publish(out_, topic, payload, qos, packet_id, retain, dup && qos > 0,
                 protocol_level_ >= kMqtt5 ? (properties ? properties : &kNone) : nullptr);
  if (out_.size() > context_.options.max_outbound_buffer) {
    close_with(CloseReason::server_closed, disconnect_reason::quota_exceeded,
               "client reads too slowly (outbound buffer full)");
    return;
  }
  // A quiet connection gets its delivery now, not after the caller's remaining work (the
  // publisher's metrics, the rest of its read): one-way latency. A busy one gathers.
  if (!flush_requested_ && !write_in_progress_ && !refused_ && is_quiet(std::chrono::steady_clock::now())) {
    flush();
    return;
  }
  request_flush();
}

bool Session::is_quiet(std::chrono::steady_clock::time_point now) const {
  return now - last_write_ >= kQuietBeforeDirectWrite;
}

void Session::request_flush() {
  if (flush_requested_ || closed_) return;
  flush_requested_ = true;
  context_.pending_writes->add(shared_from_this());
}

void Session::write_pending() {
  flush_requested_ = false;
  flush();
}

void PendingWrites::add(const std::shared_ptr<Session>& session) {
  sessions_.push_back(session);
  if (posted_) return;
  posted_ = true;
  asio::post(executor_, [self = shared_from_this()] {
    self->posted_ = false;
    self->write_all();
  });
}

void PendingWrites::write_all() {
  // A write may close a session, and closing may queue output on others: take the list first.
  std::vector<std::weak_ptr<Session>> now;
  now.swap(sessions_);
  for (const auto& weak : now)
    if (auto session = weak.lock()) session->write_pending();
}

void Session::flush() {
  if (write_in_progress_ || out_.empty() || closed_) return;
  // A connection that has been quiet a while writes at once: the socket usually takes it all,
  // and a lone message skips the write coroutine's loop turn. One that writes often goes
  // through the coroutine, whose turn gathers more output per write (throughput).
  const auto now = std::chrono::steady_clock::now();
  const bool quiet = is_quiet(now);
  last_write_ = now;
  const std::size_t written = quiet ? transport_->write_now(asio::buffer(out_)) : 0;
  if (written == out_.size()) {
    out_.clear();
    if (refused_) close(closing_reason_, closing_detail_);
    return;
  }
  out_.erase(0, written);
  write_in_progress_ = true;
  asio::co_spawn(executor_, [self = shared_from_this()] { return self->write_loop(); },
                 asio::detached);
}

asio::awaitable<void> Session::write_loop() {
  while (!out_.empty()) {
    writing_.swap(out_);
    out_.clear();
    error_code ec;
    co_await transport_->write(asio::buffer(writing_), ec);
    writing_.clear();
    if (ec) {
      close(CloseReason::transport_error, "write failed: " + ec.message());
      break;
    }
  }
  write_in_progress_ = false;
  if (closing_after_write_) {
    close_transport_after_write();
    co_return;
  }
  if (refused_) close(closing_reason_, closing_detail_);
}

bool Session::reading_paused() const {
  return paused_by_handler_ || owed_acks_.size() >= context_.options.max_unacknowledged_inbound;
}

void Session::resume_reading() {
  paused_by_handler_ = false;
  if (!reading_paused()) schedule_processing();
}

void Session::wake_reader() { wake_.cancel(); }

void Session::protocol_error(std::string_view detail, std::uint8_t code) {
  spdlog::warn("mqtt: closing {}: {}", describe(), detail);
  close_with(CloseReason::protocol_error, code, detail);
}

void Session::close(CloseReason reason, std::string_view detail) {
  close_with(reason, disconnect_code_for(reason), detail);
}

bool Session::send_disconnect(std::uint8_t code, std::string_view detail) {
  // Only after a CONNACK accepted an MQTT 5 CONNECT (before that the CONNACK says why).
  if (code == 0 || !connected_ || protocol_level_ < kMqtt5) return false;
  // Packets queued but not begun are dropped: the DISCONNECT is the last word, and a slow
  // client's backlog would hold it back (they were lost on close before it too).
  out_.clear();
  DisconnectPacket disconnect{code, {}};
  disconnect.properties.reason_string = std::string(detail);
  encode(out_, disconnect, kMqtt5);
  if (client_maximum_packet_size_ && out_.size() > *client_maximum_packet_size_) {
    out_.clear();  // §3.14.2.2.3: no Reason String that would make it too big for the client
    encode(out_, DisconnectPacket{code, {}}, kMqtt5);
  }
  if (!write_in_progress_) {
    const std::size_t written = transport_->write_now(asio::buffer(out_));
    out_.erase(0, written);
    if (out_.empty()) return false;  // written whole: the caller closes the socket now
    write_in_progress_ = true;
    asio::co_spawn(executor_, [self = shared_from_this()] { return self->write_loop(); }, asio::detached);
  }
  // The write loop writes it (after its current buffer, if one is being written), then
  // closes the socket.
  closing_after_write_ = true;
  deadline_.expires_after(kDisconnectGrace);
  deadline_.async_wait([weak = weak_from_this()](const error_code& ec) {
    if (auto self = weak.lock(); self && !ec) self->close_transport_after_write();
  });
  return true;
}

void Session::close_transport_after_write() {
  if (!closing_after_write_) return;
  closing_after_write_ = false;
  deadline_.cancel();
  transport_->close();
}

void Session::close_with(CloseReason reason, std::uint8_t disconnect_code, std::string_view detail) {
  if (closed_) return;
  closed_ = true;
  if (reason != CloseReason::protocol_error)
    spdlog::debug("mqtt: {} closed: {} ({})", describe(), close_reason_name(reason), detail);
  deadline_.cancel();
  wake_.cancel();
  if (!send_disconnect(disconnect_code, detail)) transport_->close();
  auto self = shared_from_this();
  if (handler_knows_) {
    handler_knows_ = false;
    context_.handler.on_close(self, reason);
  }
  if (context_.on_finished) context_.on_finished(id_);
}

}  // namespace outpost::mqtt

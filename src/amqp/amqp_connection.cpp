#include "amqp_connection.h"

#include <algorithm>
#include <array>
#include <cstring>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <proton/binary.hpp>
#include <proton/symbol.hpp>
#include <proton/value.hpp>
#include <proton/connection_options.hpp>
#include <proton/error_condition.hpp>
#include <proton/receiver_options.hpp>
#include <proton/sender_options.hpp>
#include <proton/session.hpp>
#include <proton/source.hpp>
#include <proton/target.hpp>
#include <proton/transport.hpp>
#include <spdlog/spdlog.h>

#include "cbs.h"
#include "identity_connection.h"
#include "proton_handles.h"
#include "outpost/core/sas_token.h"

namespace outpost::amqp {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

constexpr std::uint32_t kCbsCredit = 16;
constexpr std::size_t kMinReadChunk = 4 * 1024;
constexpr std::size_t kMaxReadChunk = 64 * 1024;
constexpr auto kCloseGrace = std::chrono::seconds(2);  // for the peer to answer our close

std::int64_t steady_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Without the handler's own check: a SAS token for the same audience that has not expired.
bool renewal_looks_valid(const std::string& token, const std::string& audience) {
  const auto parsed = parse_sas_token(token);
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  return parsed && parsed->expiry > now.count() && parsed->resource_uri == audience;
}

// `com.microsoft:auth-chain` among the link's properties, when it is a string.
std::optional<std::string> auth_chain_of(const proton::link& link) {
  try {
    const auto properties = link.properties();
    const auto it = properties.find(proton::symbol("com.microsoft:auth-chain"));
    if (it == properties.end() || it->second.type() != proton::STRING) return std::nullopt;
    return proton::get<std::string>(it->second);
  } catch (const std::exception&) {
    return std::nullopt;  // properties that are not a map of symbols name no chain
  }
}

// Sessions beyond one per identity: the CBS one and the SDKs' own before a token is put.
constexpr std::size_t kSpareSessions = 4;
// Unfinished messages (by bytes, in max_message_bytes) a connection may have arriving at once.
constexpr std::size_t kMaxUnfinishedMessages = 4;

// An attach we will not serve: answered (attach, then detach with the error), as AMQP asks.
template <typename Link>
void refuse_link(Link& link, const std::string& condition, const std::string& description) {
  spdlog::warn("amqp: refusing link '{}': {} ({})", link.name(), description, condition);
  link.open();
  link.close(proton::error_condition(condition, description));
}

}  // namespace

AmqpConnection::AmqpConnection(asio::any_io_executor executor, std::shared_ptr<ServerContext> context,
                               std::unique_ptr<net::StreamTransport> transport)
    : executor_(std::move(executor)),
      context_(std::move(context)),
      transport_(std::move(transport)),
      driver_(context_->options.container_id),
      timer_(executor_),
      wake_(executor_) {
  ++context_->unauthenticated;
}

AmqpConnection::~AmqpConnection() {
  if (counted_unauthenticated_) --context_->unauthenticated;
}

const char* AmqpConnection::transport_name() const {
  const std::string_view name = transport_->name();
  if (name == "tls") return "amqps";
  if (name == "wss") return "amqpws";
  return "amqp";
}

void AmqpConnection::start() {
  asio::co_spawn(executor_, [self = shared_from_this()] { return self->run(); }, asio::detached);
}

asio::awaitable<void> AmqpConnection::run() {
  auto self = shared_from_this();
  const auto& options = context_->options;
  timer_.expires_after(options.tls_handshake_timeout);
  timer_.async_wait([weak = weak_from_this()](const error_code& ec) {
    if (auto conn = weak.lock(); conn && !ec) {
      spdlog::info("amqp: closing {}: no handshake within the handshake timeout", conn->remote_address());
      conn->transport_->close();
    }
  });
  error_code ec;
  co_await transport_->handshake(ec);
  timer_.cancel();
  if (ec || closed_) {
    finish(mqtt::CloseReason::transport_error);
    co_return;
  }
  proton::connection_options connection_options;
  connection_options.handler(*this)
      .container_id(options.container_id)
      .max_frame_size(options.max_frame_size)
      .idle_timeout(proton::duration(std::chrono::duration_cast<std::chrono::milliseconds>(options.idle_timeout).count()))
      .sasl_allow_insecure_mechs(true);  // PLAIN: the TLS is Asio's, not Proton's, so Proton cannot tell
  driver_.accept(connection_options);
  install_sasl_server(driver_.transport(), *this);
  authenticate_by_ = std::chrono::steady_clock::now() + options.authenticate_timeout;
  arm_timer();
  // Sized to the traffic, as MQTT sessions do: small while the connection is quiet (idle
  // clients hold little), doubling while reads fill it (fewer reads and pumps under load).
  std::vector<char> buffer(kMinReadChunk);
  while (!finished_) {
    if (read_pauses_ > 0) {
      wake_.expires_at(asio::steady_timer::time_point::max());
      error_code ignored;
      co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      continue;
    }
    const auto n = co_await transport_->read_some(asio::buffer(buffer), ec);
    if (finished_) break;
    if (ec) {
      driver_.read_close();
      pump();
      finish(closed_ ? mqtt::CloseReason::server_closed : mqtt::CloseReason::transport_error);
      break;
    }
    feed(buffer.data(), n);
    drop_oversized_messages();
    pump();
    if (n == buffer.size() && buffer.size() < kMaxReadChunk) {
      buffer.resize(buffer.size() * 2);
    } else if (n < buffer.size() / 4 && buffer.size() > kMinReadChunk) {
      buffer.resize(buffer.size() / 2);
      buffer.shrink_to_fit();
    }
  }
}

void AmqpConnection::feed(const char* data, std::size_t size) {
  while (size > 0) {
    const auto space = driver_.read_buffer();
    if (space.size == 0) return;  // Proton takes no more input: the connection is closing
    const auto n = std::min(size, space.size);
    std::memcpy(space.data, data, n);
    driver_.read_done(n);
    data += n;
    size -= n;
  }
}

void AmqpConnection::drop_oversized_messages() {
  const auto max_bytes = context_->options.max_message_bytes;
  std::size_t unfinished = 0;
  auto check = [&](proton::receiver r, bool& dropping) {
    const bool was_dropping = dropping;
    const auto state = drop_oversized_delivery(r, max_bytes, dropping);
    if (state == OversizedDelivery::arriving && !was_dropping)
      spdlog::warn("amqp: dropping a message over {} bytes on link '{}' of {}", max_bytes, r.name(), remote_address());
    if (state == OversizedDelivery::rejected && r.active()) r.add_credit(1);
    unfinished += unfinished_bytes(r);
  };
  for (auto& [r, link] : receivers_) check(r, link.dropping_oversized);
  for (auto& [r, dropping] : c2d_receivers_) check(r, dropping);
  // Complete messages are handed on at once; only unfinished ones wait in Proton, one per link
  // at most. A client spreading large unfinished messages over many links is stopped here.
  if (unfinished > kMaxUnfinishedMessages * max_bytes && !closed_) {
    spdlog::warn("amqp: closing {}: {} bytes of unfinished messages", remote_address(), unfinished);
    close("amqp:resource-limit-exceeded", "more than " + std::to_string(kMaxUnfinishedMessages) +
                                              " messages' worth of unfinished transfers");
  }
}

void AmqpConnection::pump() {
  if (finished_) return;
  if (pumping_) {
    pump_again_ = true;
    return;
  }
  auto self = shared_from_this();  // a handler may drop the server's reference meanwhile
  pumping_ = true;
  bool alive = true;
  for (int failures = 0;;) {
    pump_again_ = false;
    try {
      alive = driver_.dispatch();
    } catch (const std::exception& e) {
      // A message Proton cannot decode, or one of ours that throws: the connection ends,
      // the server goes on.
      spdlog::warn("amqp: closing {}: {}", remote_address(), e.what());
      if (++failures > 2) {
        driver_.disconnected(proton::error_condition("amqp:internal-error", e.what()));
      } else {
        closed_ = true;
        driver_.connection().close(proton::error_condition("amqp:decode-error", e.what()));
      }
      continue;
    }
    if (!pump_again_) break;
  }
  pumping_ = false;
  if (!write_in_progress_) {
    // Most output fits the socket buffer: written now (plain TCP) it skips the write
    // coroutine's loop turn on the delivery path, as MQTT sessions do.
    if (const auto pending = driver_.write_buffer(); pending.size > 0) {
      if (const auto n = transport_->write_now(asio::buffer(pending.data, pending.size)); n > 0) {
        driver_.write_done(n);
        if (driver_.has_events()) schedule_pump();  // e.g. a close now written
      }
    }
    if (driver_.write_buffer().size > 0) {
      write_in_progress_ = true;
      asio::co_spawn(executor_, [self] { return self->write_loop(); }, asio::detached);
    }
  }
  if (!alive && !write_in_progress_) finish(closed_ ? mqtt::CloseReason::server_closed : mqtt::CloseReason::client_disconnect);
}

asio::awaitable<void> AmqpConnection::write_loop() {
  auto self = shared_from_this();
  while (!finished_) {
    const auto pending = driver_.write_buffer();
    if (pending.size == 0) break;
    // A copy: Proton may move its buffer while the write is under way.
    writing_.assign(pending.data, pending.size);
    error_code ec;
    co_await transport_->write(asio::buffer(writing_), ec);
    if (finished_) break;
    if (ec) {
      write_in_progress_ = false;
      driver_.write_close();
      finish(mqtt::CloseReason::transport_error);
      co_return;
    }
    driver_.write_done(writing_.size());
  }
  write_in_progress_ = false;
  pump();  // events the write made (a finished close), and what was queued meanwhile
}

void AmqpConnection::schedule_pump() {
  if (pumping_) {
    pump_again_ = true;
    return;
  }
  if (pump_posted_ || finished_) return;
  pump_posted_ = true;
  asio::post(executor_, [self = shared_from_this()] {
    self->pump_posted_ = false;
    self->pump();
  });
}

void AmqpConnection::arm_timer() {
  if (finished_) return;
  const auto now_ms = steady_millis();
  const auto next_tick = driver_.tick(proton::timestamp(now_ms)).milliseconds();
  auto due = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  if (next_tick > 0) due = std::min(due, std::chrono::steady_clock::now() + std::chrono::milliseconds(next_tick - now_ms));
  if (counted_unauthenticated_) due = std::min(due, authenticate_by_);
  if (close_by_) due = std::min(due, *close_by_);
  timer_.expires_at(due);
  timer_.async_wait([weak = weak_from_this()](const error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->finished_) return;
    const auto now = std::chrono::steady_clock::now();
    if (self->counted_unauthenticated_ && now >= self->authenticate_by_ && !self->closed_) {
      spdlog::info("amqp: closing {}: no identity proved within the authentication timeout", self->remote_address());
      self->close("amqp:unauthorized-access", "no token put on $cbs within the authentication timeout");
    }
    if (self->close_by_ && now >= *self->close_by_) {
      self->finish(mqtt::CloseReason::server_closed);  // the peer never answered our close
      return;
    }
    self->arm_timer();
    self->pump();
  });
}

void AmqpConnection::close(const std::string& condition, const std::string& description) {
  if (closed_ || finished_) return;
  closed_ = true;
  close_by_ = std::chrono::steady_clock::now() + kCloseGrace;
  arm_timer();
  driver_.connection().close(proton::error_condition(condition, description));
  schedule_pump();
}

void AmqpConnection::finish(mqtt::CloseReason reason) {
  if (finished_) return;
  finished_ = true;
  closed_ = true;
  auto self = shared_from_this();
  timer_.cancel();
  wake_.cancel();
  transport_->close();
  if (counted_unauthenticated_) {
    counted_unauthenticated_ = false;
    --context_->unauthenticated;
  }
  auto identities = std::move(identities_);
  identities_.clear();
  for (auto& [id, identity] : identities) identity->end(reason);
  receivers_.clear();
  senders_.clear();
  cbs_senders_.clear();
  c2d_receivers_.clear();
  feedback_sender_.reset();
  if (on_finished) on_finished();
}

void AmqpConnection::pause_reading() { ++read_pauses_; }

void AmqpConnection::resume_reading() {
  if (read_pauses_ > 0 && --read_pauses_ == 0) wake_.cancel();
}

void AmqpConnection::identity_closed(IdentityConnection& identity, const std::string& condition,
                                     const std::string& description) {
  for (auto it = senders_.begin(); it != senders_.end();) {
    if (it->second.lock().get() == &identity) {
      if (it->first.active()) proton::sender(it->first).close(proton::error_condition(condition, description));
      it = senders_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = receivers_.begin(); it != receivers_.end();) {
    if (it->second.identity.lock().get() == &identity) {
      if (it->first.active()) proton::receiver(it->first).close(proton::error_condition(condition, description));
      it = receivers_.erase(it);
    } else {
      ++it;
    }
  }
  identities_.erase(identity.identity().id());
  if (identities_.empty()) close(condition, description);
  else schedule_pump();
}

void AmqpConnection::identity_left(IdentityConnection& identity) {
  std::erase_if(senders_, [&](const auto& entry) { return entry.second.lock().get() == &identity; });
  std::erase_if(receivers_, [&](const auto& entry) { return entry.second.identity.lock().get() == &identity; });
  credentials_.erase(identity.identity().id());
  identities_.erase(identity.identity().id());
}

std::shared_ptr<IdentityConnection> AmqpConnection::identity_of(const iothub::Identity& identity) const {
  const auto it = identities_.find(identity.id());
  return it == identities_.end() ? nullptr : it->second;
}

std::shared_ptr<IdentityConnection> AmqpConnection::identity_for_link(const iothub::Identity& identity,
                                                                      const proton::link& link) {
  if (auto known = identity_of(identity)) return known;
  // On behalf of (an edge hub multiplexing its children): the link names the chain
  // "{target};{edge}[;…]" and the edge's $edgeHub put its token on this connection.
  if (const auto chain = auth_chain_of(link)) {
    const auto last = chain->rfind(';');
    if (last == std::string::npos) return nullptr;
    const auto holder = identity_of(iothub::Identity{chain->substr(last + 1), std::string("$edgeHub")});
    const auto credential = holder ? credentials_.find(holder->identity().id()) : credentials_.end();
    if (credential == credentials_.end()) {
      spdlog::warn("amqp: the auth-chain '{}' names an edge whose $edgeHub put no token on this connection", *chain);
      return nullptr;
    }
    if (admit_identity(credential->second.host, identity, credential->second.token, *chain) != 200) return nullptr;
    return identity_of(identity);
  }
  // X.509: the SDKs put no token; the TLS client certificate is the credential, checked as an
  // MQTT CONNECT without a password would be, for the host name the client opened with.
  if (!client_certificate()) return nullptr;
  if (admit_identity(driver_.connection().virtual_host(), identity, "") != 200) return nullptr;
  return identity_of(identity);
}

std::size_t AmqpConnection::link_count() const { return receivers_.size() + senders_.size() + cbs_senders_.size(); }

// ---- Proton events ----

void AmqpConnection::on_connection_open(proton::connection& c) {
  if (!c.active()) c.open();
}

// A connection has a session per identity at most (and a few before it proved one). An edge
// that put its $edgeHub token may bring its children, each admitted when its first link
// attaches, a moment after its session opened: it has room for as many as a connection may
// hold. Proton's session window is left open: it counts frames, not bytes, so a window that
// bounded bytes let ~17 small messages through at a time (a third of the throughput). Bytes
// are bounded by drop_oversized_messages instead.
std::size_t AmqpConnection::session_allowance() const {
  const bool edge = std::any_of(credentials_.begin(), credentials_.end(),
                                [](const auto& credential) { return credential.first.ends_with("/$edgeHub"); });
  return (edge ? context_->options.max_identities_per_connection : identities_.size()) + kSpareSessions;
}

// Links grow with the identities proved (the +1: the CBS links, and the link that admits the
// next child of an edge), so 200 children with twin and methods fit and one identity cannot
// open links without end.
std::size_t AmqpConnection::link_allowance() const {
  return context_->options.max_links_per_identity * (identities_.size() + 1);
}

void AmqpConnection::on_session_open(proton::session& s) {
  const auto allowed = session_allowance();
  if (++sessions_ > allowed) {
    spdlog::warn("amqp: refusing a session from {}: {} open, {} identities", remote_address(), sessions_ - 1,
                 identities_.size());
    s.open();
    s.close(proton::error_condition("amqp:resource-limit-exceeded", "a session per identity"));
    return;
  }
  if (!s.active()) s.open();
}

void AmqpConnection::on_session_close(proton::session& s) {
  if (sessions_ > 0) --sessions_;
  std::vector<std::shared_ptr<IdentityConnection>> leaving;
  for (const auto& [id, identity] : identities_)
    if (identity->on_session(s)) leaving.push_back(identity);
  for (const auto& identity : leaving) identity->close(mqtt::CloseReason::client_disconnect, "its session ended");
}

void AmqpConnection::on_receiver_open(proton::receiver& r) {
  const auto address = r.target().address();
  if (link_count() >= link_allowance())
    return refuse_link(r, "amqp:resource-limit-exceeded", "too many links for the identities on this connection");
  if (is_cbs_address(address)) {
    r.open(proton::receiver_options().credit_window(0).auto_accept(false));
    r.add_credit(kCbsCredit);
    receivers_.emplace(r, ReceiverLink{.cbs = true});
    return;
  }
  if (open_service_receiver(r, address)) return;
  const auto parsed = parse_link_address(address);
  if (!parsed) return refuse_link(r, "amqp:not-found", parsed.error());
  const auto identity = identity_for_link(parsed->identity, r);
  if (!identity)
    return refuse_link(r, "amqp:unauthorized-access", "no token was put for '" + parsed->identity.id() + "'");
  if (const auto refused = identity->attach_receiver(r, parsed->kind); !refused.empty())
    return refuse_link(r, refused, std::string(link_kind_name(parsed->kind)) + " link of '" + parsed->identity.id() + "'");
  set_max_message_size(r, context_->options.max_message_bytes);
  r.open(proton::receiver_options().credit_window(0).auto_accept(false));
  r.add_credit(context_->options.link_credit);
  receivers_.emplace(r, ReceiverLink{identity, parsed->kind});
  identity->bind_session(r.session());
}

void AmqpConnection::on_sender_open(proton::sender& s) {
  const auto address = s.source().address();
  if (link_count() >= link_allowance())
    return refuse_link(s, "amqp:resource-limit-exceeded", "too many links for the identities on this connection");
  if (is_cbs_address(address)) {
    s.open();
    cbs_senders_.push_back(s);
    return;
  }
  if (open_service_sender(s, address)) return;
  const auto parsed = parse_link_address(address);
  if (!parsed) return refuse_link(s, "amqp:not-found", parsed.error());
  const auto identity = identity_for_link(parsed->identity, s);
  if (!identity)
    return refuse_link(s, "amqp:unauthorized-access", "no token was put for '" + parsed->identity.id() + "'");
  s.open();
  senders_.emplace(s, identity);
  identity->bind_session(s.session());
  if (const auto refused = identity->attach_sender(s, parsed->kind); !refused.empty()) {
    senders_.erase(s);
    spdlog::warn("amqp: refusing link '{}': {} link of '{}' ({})", s.name(), link_kind_name(parsed->kind),
                 parsed->identity.id(), refused);
    s.close(proton::error_condition(refused, std::string(link_kind_name(parsed->kind)) + " link of '" +
                                                 parsed->identity.id() + "' refused"));
  }
}

void AmqpConnection::on_receiver_close(proton::receiver& r) {
  c2d_receivers_.erase(r);
  const auto it = receivers_.find(r);
  if (it == receivers_.end()) return;
  const auto identity = it->second.identity.lock();
  receivers_.erase(it);
  if (identity) identity->detach_receiver(r);
}

void AmqpConnection::on_sender_close(proton::sender& s) {
  std::erase(cbs_senders_, s);
  if (feedback_sender_ && *feedback_sender_ == s) {
    feedback_sender_.reset();
    feedback_out_.reset();  // not settled: it goes out again on the next feedback link
  }
  const auto it = senders_.find(s);
  if (it == senders_.end()) return;
  const auto identity = it->second.lock();
  senders_.erase(it);
  if (identity) identity->detach_sender(s);
}

void AmqpConnection::on_message(proton::delivery& d, proton::message& m) {
  if (c2d_receivers_.contains(d.receiver()))
    return on_service_message(d, m);
  const auto it = receivers_.find(d.receiver());
  if (it == receivers_.end()) {
    d.release();
    return;
  }
  if (it->second.cbs) return handle_put_token(d, m);
  if (auto identity = it->second.identity.lock()) identity->on_message(d, m, it->second.kind);
  else d.release();
}

void AmqpConnection::on_tracker_settle(proton::tracker& t) {
  if (feedback_sender_ && t.sender() == *feedback_sender_) return on_feedback_settled(t, t.state() == proton::transfer::ACCEPTED);
  const auto it = senders_.find(t.sender());
  if (it == senders_.end()) return;
  const auto tag = delivery_tag_number(t.tag());
  if (!tag) return;
  if (auto identity = it->second.lock()) identity->on_settled(*tag);
}

void AmqpConnection::on_tracker_release(proton::tracker& t) {
  const auto it = senders_.find(t.sender());
  if (it == senders_.end()) return;
  if (const auto tag = delivery_tag_number(t.tag()); tag)
    if (auto identity = it->second.lock()) identity->on_released(*tag);
}

void AmqpConnection::handle_put_token(proton::delivery& d, const proton::message& m) {
  d.accept();
  if (auto r = d.receiver(); r.active()) r.add_credit(1);
  const auto reply_to = m.reply_to();
  auto request = parse_put_token(m);
  if (!request) {
    spdlog::warn("amqp: bad put-token from {}: {}", remote_address(), request.error());
    return reply_cbs(put_token_reply(m.id(), 400, request.error()), reply_to);
  }
  auto audience = parse_audience(request->audience);
  if (!audience && context_->options.service && request->audience.find("/devices/") == std::string::npos) {
    const int status = admit_service(request->audience, request->token);
    return reply_cbs(put_token_reply(request->request_id, status, status == 200 ? "OK" : "not authorized"), reply_to);
  }
  if (!audience) {
    spdlog::warn("amqp: bad put-token from {}: {}", remote_address(), audience.error());
    return reply_cbs(put_token_reply(request->request_id, 400, audience.error()), reply_to);
  }
  if (auto existing = identity_of(audience->identity)) {
    // A renewal: the identity stays; the new token must still be good.
    const bool good = context_->options.verify_renewal
                          ? context_->options.verify_renewal(audience->identity, request->token)
                          : renewal_looks_valid(request->token, request->audience);
    spdlog::debug("amqp: token renewal for '{}' from {}: {}", audience->identity.id(), remote_address(),
                  good ? "accepted" : "refused");
    if (good) credentials_[audience->identity.id()] = {audience->host, request->token};
    return reply_cbs(put_token_reply(request->request_id, good ? 200 : 401, good ? "OK" : "token refused"), reply_to);
  }
  const int status = admit_identity(audience->host, audience->identity, request->token);
  reply_cbs(put_token_reply(request->request_id, status, status == 200 ? "OK" : "not authorized"), reply_to);
}

int AmqpConnection::admit_identity(const std::string& host, const iothub::Identity& who, const std::string& token,
                                   const std::optional<std::string>& auth_chain) {
  if (identities_.size() >= context_->options.max_identities_per_connection) return 403;
  auto identity = std::make_shared<IdentityConnection>(context_->next_connection_id++, who, weak_from_this(), context_,
                                                       remote_address(), transport_name(), client_certificate());
  identities_.emplace(who.id(), identity);
  const auto decision = identity->connect(host, token, auth_chain);
  if (decision.code != mqtt::ConnectReturnCode::accepted) {
    identities_.erase(who.id());
    return 401;
  }
  if (!token.empty() && !auth_chain) credentials_[who.id()] = {host, token};
  if (counted_unauthenticated_) {
    counted_unauthenticated_ = false;
    --context_->unauthenticated;
  }
  return 200;
}

bool AmqpConnection::authenticate_plain(std::string_view user, std::string_view password) {
  const auto parsed = parse_plain_user(user);
  if (!parsed) {
    spdlog::warn("amqp: refusing SASL PLAIN from {}: {}", remote_address(), parsed.error());
    return false;
  }
  if (identity_of(parsed->identity)) return false;  // one login per connection
  const int status = admit_identity(parsed->host, parsed->identity, std::string(password));
  if (status != 200) spdlog::warn("amqp: refusing SASL PLAIN of '{}' from {}", parsed->identity.id(), remote_address());
  return status == 200;
}

void AmqpConnection::reply_cbs(const proton::message& reply, const std::string& reply_to) {
  for (auto& sender : cbs_senders_) {
    if (!sender.active()) continue;
    // The reply goes to the link the client named in reply-to, or its only $cbs receiver.
    const auto target = sender.target().address();
    if (cbs_senders_.size() > 1 && !reply_to.empty() && target != reply_to) continue;
    sender.send(reply);
    return;
  }
  spdlog::warn("amqp: {} put a token without a $cbs receiver for the reply", remote_address());
}

void AmqpConnection::on_connection_close(proton::connection&) {
  // The peer closed (Proton answers it); the transport closes next.
}

void AmqpConnection::on_transport_error(proton::transport& t) {
  const auto error = t.error();
  if (!closed_) spdlog::info("amqp: {} ended: {}", remote_address(), error.what());
}

void AmqpConnection::on_transport_close(proton::transport&) {}

void AmqpConnection::on_error(const proton::error_condition& e) {
  spdlog::info("amqp: {}: {}", remote_address(), e.what());
}

}  // namespace outpost::amqp

#include "load/amqp_load_client.h"

#include <cstdio>
#include <cstring>

#include <proton/binary.hpp>
#include <proton/connection.hpp>
#include <proton/connection_options.hpp>
#include <proton/delivery.hpp>
#include <proton/error_condition.hpp>
#include <proton/receiver_options.hpp>
#include <proton/message_id.hpp>
#include <proton/scalar.hpp>
#include <proton/source.hpp>
#include <proton/target.hpp>
#include <proton/tracker.hpp>
#include <proton/transport.hpp>

namespace outpost::load {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kCloseGrace = std::chrono::seconds(2);  // for the server to answer our close

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Delivery tags are the ids send() returns, 8 bytes.
proton::binary id_tag(std::uint64_t id) {
  proton::binary tag(sizeof id, 0);
  std::memcpy(tag.data(), &id, sizeof id);
  return tag;
}

std::optional<std::uint64_t> tag_id(const proton::binary& tag) {
  if (tag.size() != sizeof(std::uint64_t)) return std::nullopt;
  std::uint64_t id = 0;
  std::memcpy(&id, tag.data(), sizeof id);
  return id;
}

}  // namespace

AmqpLoadClient::AmqpLoadClient(asio::io_context& io, AmqpSettings settings)
    : io_(io), settings_(std::move(settings)), socket_(io), tick_(io), driver_("outpost-load") {
  outgoing_.inferred(true);  // a binary body goes out as a data section, as the SDKs send it
  outgoing_.properties().put("iothub-outputname", settings_.output);
}

AmqpLoadClient::~AmqpLoadClient() {
  boost::system::error_code ignored;
  socket_.close(ignored);
}

std::string AmqpLoadClient::events_address() const {
  return "/devices/" + settings_.device_id + "/modules/" + settings_.module_id + "/messages/events";
}

void AmqpLoadClient::connect(ConnectHandler done) {
  on_connected_ = std::move(done);
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(settings_.host, ec);
  if (ec) return fail("bad host " + settings_.host);
  socket_.async_connect(tcp::endpoint(address, settings_.port), [self = shared_from_this()](auto error) {
    if (self->closed_ || self->closing_) return;
    if (error) return self->fail(error.message());
    boost::system::error_code ignored;
    self->socket_.set_option(tcp::no_delay(true), ignored);
    self->start_amqp();
  });
}

// Open, both $cbs links and the put-token in one go: Proton holds the token until the server
// gives the link credit.
void AmqpLoadClient::start_amqp() {
  proton::connection_options options;
  options.handler(*this).sasl_enabled(false).virtual_host(settings_.iothub_host);  // the bare AMQP header, as the SDKs send
  driver_.connect(options);
  auto connection = driver_.connection();
  cbs_sender_ = connection.open_sender("$cbs");
  cbs_receiver_ = connection.open_receiver("$cbs", proton::receiver_options().credit_window(4));
  proton::message put;
  put.id(proton::message_id(std::string("put-token")));
  put.reply_to("cbs");
  put.properties().put("operation", "put-token");
  put.properties().put("type", "azure-devices.net:sastoken");
  put.properties().put("name", settings_.iothub_host + "/devices/" + settings_.device_id + "/modules/" + settings_.module_id);
  put.body(settings_.sas_token);
  cbs_sender_.send(put);
  read();
  arm_tick();
  pump();
}

void AmqpLoadClient::subscribe(std::function<void(bool)> done) {
  on_subscribed_ = std::move(done);
  events_receiver_ = driver_.connection().open_receiver(
      events_address(), proton::receiver_options().credit_window(settings_.credit).auto_accept(false));
  schedule_pump();
}

std::uint64_t AmqpLoadClient::send(std::string_view body) {
  const auto id = next_id_++;
  outgoing_.body(proton::binary(body.begin(), body.end()));
  events_sender_.send(outgoing_, id_tag(id));
  schedule_pump();  // one write for everything sent meanwhile
  return id;
}

void AmqpLoadClient::close() {
  if (closing_ || closed_) return;
  closing_ = true;
  ready_ = false;
  if (!driver_.connection().active()) {  // not yet open: nothing to say goodbye to
    closed_ = true;
    boost::system::error_code ignored;
    socket_.close(ignored);
    return;
  }
  // A clean close, so the server has our last dispositions; arm_tick bounds the wait.
  close_by_ = std::chrono::steady_clock::now() + kCloseGrace;
  driver_.connection().close();
  pump();
}

void AmqpLoadClient::read() {
  socket_.async_read_some(asio::buffer(in_), [self = shared_from_this()](auto ec, std::size_t n) {
    if (self->closed_) return;
    if (ec) {
      self->driver_.read_close();
      self->pump();  // Proton's view of the end (a transport error) comes first
      return self->fail(ec == asio::error::eof ? "closed by the server" : ec.message());
    }
    self->feed(n);
    self->pump();
    if (!self->closed_) self->read();
  });
}

void AmqpLoadClient::feed(std::size_t n) {
  const char* data = in_.data();
  while (n > 0 && !closed_) {
    const auto space = driver_.read_buffer();
    if (space.size == 0) return fail("Proton takes no more input");
    const auto chunk = std::min(n, space.size);
    std::memcpy(space.data, data, chunk);
    driver_.read_done(chunk);
    data += chunk;
    n -= chunk;
  }
}

void AmqpLoadClient::schedule_pump() {
  if (pumping_) {
    pump_again_ = true;
    return;
  }
  if (pump_posted_ || closed_) return;
  pump_posted_ = true;
  asio::post(io_, [self = shared_from_this()] {
    self->pump_posted_ = false;
    self->pump();
  });
}

// Runs Proton's events (our handlers), then writes what they produced. Handlers may call
// send() or close(): those only ask for another round.
void AmqpLoadClient::pump() {
  if (closed_) return;
  if (pumping_) {
    pump_again_ = true;
    return;
  }
  auto self = shared_from_this();  // a callback may drop the owner's reference
  pumping_ = true;
  bool alive = true;
  try {
    do {
      pump_again_ = false;
      alive = driver_.dispatch();
      check_links();
    } while (pump_again_ && alive && !closed_);
  } catch (const std::exception& e) {
    pumping_ = false;
    return fail(std::string("AMQP: ") + e.what());
  }
  pumping_ = false;
  if (closed_) return;
  write();
  if (!alive && !writing_) {
    if (closing_) {
      closed_ = true;
      boost::system::error_code ignored;
      socket_.close(ignored);
    } else {
      fail("the AMQP connection ended");
    }
  }
}

void AmqpLoadClient::write() {
  if (writing_ || closed_) return;
  const auto pending = driver_.write_buffer();
  if (pending.size == 0) return;
  writing_ = true;
  out_.assign(pending.data, pending.size);
  asio::async_write(socket_, asio::buffer(out_), [self = shared_from_this()](auto ec, std::size_t n) {
    self->writing_ = false;
    if (self->closed_) return;
    if (ec) return self->fail("write: " + ec.message());
    self->driver_.write_done(n);
    self->pump();  // more output, and the end of a finished close
  });
}

// Proton's heartbeats (the hub asks for them within its idle timeout) and the close grace.
void AmqpLoadClient::arm_tick() {
  tick_.expires_after(std::chrono::seconds(1));
  tick_.async_wait([weak = weak_from_this()](auto ec) {
    auto self = weak.lock();
    if (ec || !self || self->closed_) return;
    if (self->closing_ && std::chrono::steady_clock::now() >= self->close_by_) {
      self->closed_ = true;
      boost::system::error_code ignored;
      self->socket_.close(ignored);
      return;
    }
    self->driver_.tick(proton::timestamp(steady_ms()));
    self->pump();
    self->arm_tick();
  });
}

// A refused attach comes as attach + detach in one go: a link counts as attached only when
// it is still open once everything read so far has been dispatched.
void AmqpLoadClient::check_links() {
  if (sender_opened_ && on_connected_ && events_sender_.active()) {
    sender_opened_ = false;
    ready_ = true;
    auto done = std::move(on_connected_);
    on_connected_ = nullptr;
    done(true, "");
  }
  if (receiver_opened_ && on_subscribed_ && events_receiver_.active()) {
    receiver_opened_ = false;
    auto done = std::move(on_subscribed_);
    on_subscribed_ = nullptr;
    done(true);
  }
}

void AmqpLoadClient::fail(const std::string& reason) {
  if (closed_) return;
  closed_ = true;
  ready_ = false;
  boost::system::error_code ignored;
  socket_.close(ignored);
  tick_.cancel();
  if (closing_) return;  // we asked for the end: nobody is told
  if (on_connected_) {
    auto done = std::move(on_connected_);
    on_connected_ = nullptr;
    return done(false, reason);
  }
  if (on_close) on_close(reason);
}

// ---- Proton events ----

void AmqpLoadClient::on_message(proton::delivery& d, proton::message& m) {
  if (d.receiver() == cbs_receiver_) {
    d.accept();
    if (!on_connected_ || ready_) return;
    const auto& properties = m.properties();
    const int status = properties.exists("status-code") ? proton::coerce<int>(properties.get("status-code")) : 0;
    if (status != 200) {
      std::string description;
      if (properties.exists("status-description")) description = proton::coerce<std::string>(properties.get("status-description"));
      return fail("put-token refused: " + std::to_string(status) + " " + description);
    }
    if (settings_.publisher) {
      events_sender_ = driver_.connection().open_sender(events_address());  // ready once the hub attached it
      return;
    }
    ready_ = true;
    auto done = std::move(on_connected_);
    on_connected_ = nullptr;
    return done(true, "");
  }
  if (d.receiver() != events_receiver_) return d.release();
  const auto& body = m.body();
  if (!closing_ && on_received) {
    if (body.type() == proton::BINARY) {
      const auto bytes = proton::get<proton::binary>(body);
      on_received(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    } else if (body.type() == proton::STRING) {
      on_received(proton::get<std::string>(body));
    }
  }
  d.accept();  // after the message was counted (and logged): at-least-once
}

void AmqpLoadClient::on_sender_open(proton::sender& s) {
  if (s == events_sender_) sender_opened_ = true;
}

void AmqpLoadClient::on_receiver_open(proton::receiver& r) {
  if (r == events_receiver_) receiver_opened_ = true;
}

void AmqpLoadClient::on_tracker_accept(proton::tracker& t) {
  if (t.sender() != events_sender_ || closing_) return;
  if (const auto id = tag_id(t.tag()); id && on_ack) on_ack(*id);
}

void AmqpLoadClient::on_tracker_reject(proton::tracker& t) {
  if (t.sender() != events_sender_ || closing_) return;
  if (const auto id = tag_id(t.tag()); id && on_refused) on_refused(*id, "rejected by the server");
}

// Released: the server did not take it, and it may take it later; the caller resends what
// was in flight when the connection is lost, so lose it.
void AmqpLoadClient::on_tracker_release(proton::tracker& t) {
  if (t.sender() != events_sender_) return;
  fail("the server released message " + std::to_string(tag_id(t.tag()).value_or(0)));
}

void AmqpLoadClient::on_sender_error(proton::sender& s) {
  fail("link " + s.target().address() + " closed: " + s.error().what());
}

void AmqpLoadClient::on_receiver_error(proton::receiver& r) {
  const auto why = "link " + r.source().address() + " closed: " + r.error().what();
  if (r == events_receiver_ && on_subscribed_ && !closing_) {
    // Refused at attach: no retry will change that (as a refused SUBSCRIBE).
    auto done = std::move(on_subscribed_);
    on_subscribed_ = nullptr;
    std::fprintf(stderr, "outpost-load: %s\n", why.c_str());
    closing_ = true;
    fail(why);
    return done(false);
  }
  fail(why);
}

void AmqpLoadClient::on_connection_error(proton::connection& c) { fail("closed by the server: " + c.error().what()); }

void AmqpLoadClient::on_transport_error(proton::transport& t) { fail(t.error().what()); }

void AmqpLoadClient::on_error(const proton::error_condition& e) { fail(e.what()); }

}  // namespace outpost::load

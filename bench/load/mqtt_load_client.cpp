#include "load/mqtt_load_client.h"

namespace outpost::load {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

MqttLoadClient::MqttLoadClient(asio::io_context& io, ClientSettings settings)
    : io_(io), settings_(std::move(settings)), socket_(io) {
  if (!settings_.tls_ca.empty()) {
    tls_context_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    tls_context_->load_verify_file(settings_.tls_ca);
    tls_context_->set_verify_mode(asio::ssl::verify_peer);
    tls_ = std::make_unique<asio::ssl::stream<tcp::socket&>>(socket_, *tls_context_);
    tls_->set_verify_callback(asio::ssl::host_name_verification(settings_.host));
  }
}

void MqttLoadClient::connect(ConnectHandler done) {
  on_connack_ = std::move(done);
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(settings_.host, ec);
  if (ec) return on_connack_(false, "bad host " + settings_.host);
  socket_.async_connect(tcp::endpoint(address, settings_.port), [self = shared_from_this()](auto connect_error) {
    if (connect_error) {
      self->closed_ = true;
      if (self->on_connack_) self->on_connack_(false, connect_error.message());
      return;
    }
    self->socket_.set_option(tcp::no_delay(true));
    if (!self->tls_) return self->start_session();
    self->tls_->async_handshake(asio::ssl::stream_base::client, [self](auto handshake_ec) {
      if (handshake_ec) return self->fail("TLS handshake: " + handshake_ec.message());
      self->start_session();
    });
  });
}

void MqttLoadClient::start_session() {
  mqtt::ConnectPacket c;
  c.client_id = settings_.client_id;
  c.clean_session = settings_.clean_session;
  c.keep_alive_secs = 60;
  c.username = settings_.username;
  c.password = settings_.password;
  mqtt::encode(out_, c);
  flush();
  read();
}

void MqttLoadClient::subscribe(const std::string& filter, std::uint8_t qos, std::function<void(bool)> done) {
  on_suback_ = std::move(done);
  mqtt::encode(out_, mqtt::SubscribePacket{0xfff0, {{filter, qos}}});
  flush();
}

std::uint16_t MqttLoadClient::publish(const std::string& topic, const std::string& payload, std::uint8_t qos) {
  std::uint16_t id = 0;
  if (qos > 0) {
    if (++next_id_ == 0 || next_id_ >= 0xfff0) next_id_ = 1;
    id = next_id_;
  }
  mqtt::encode_publish(out_, topic, payload, qos, id);
  flush();
  return id;
}

void MqttLoadClient::flush() {
  if (writing_now_ || out_.empty() || closed_) return;
  writing_now_ = true;
  writing_.swap(out_);
  out_.clear();
  with_stream([&](auto& stream) {
    asio::async_write(stream, asio::buffer(writing_), [self = shared_from_this()](auto ec, std::size_t) {
      self->writing_now_ = false;
      self->writing_.clear();
      if (ec) return self->fail("write: " + ec.message());
      self->flush();
    });
  });
}

void MqttLoadClient::read() {
  char* space = reader_.prepare(65536);
  with_stream([&](auto& stream) {
    stream.async_read_some(asio::buffer(space, 65536), [self = shared_from_this()](auto ec, std::size_t n) {
      if (ec) return self->fail(ec == asio::error::eof ? "closed by server" : ec.message());
      self->reader_.commit(n);
      while (!self->closed_) {
        auto frame = self->reader_.next();
        if (!frame) return self->fail(frame.error());
        if (!*frame) break;
        auto packet = mqtt::decode_packet(**frame);
        if (!packet) return self->fail(packet.error());
        self->handle(*packet);
      }
      self->flush();
      if (!self->closed_) self->read();
    });
  });
}

void MqttLoadClient::handle(mqtt::Packet& packet) {
  if (auto* ack = std::get_if<mqtt::ConnackPacket>(&packet)) {
    const bool ok = ack->return_code == mqtt::ConnectReturnCode::accepted;
    connected_ = ok;
    auto done = std::move(on_connack_);
    on_connack_ = nullptr;
    if (done) done(ok, ok ? "" : "CONNACK return code " + std::to_string(static_cast<int>(ack->return_code)));
    if (!ok) fail("refused");
  } else if (auto* puback = std::get_if<mqtt::PubackPacket>(&packet)) {
    if (on_ack) on_ack(puback->packet_id);
  } else if (auto* pub = std::get_if<mqtt::PublishPacket>(&packet)) {
    if (pub->qos == 1) mqtt::encode(out_, mqtt::PubackPacket{pub->packet_id});
    if (on_message) on_message(*pub);
  } else if (auto* suback = std::get_if<mqtt::SubackPacket>(&packet)) {
    auto done = std::move(on_suback_);
    on_suback_ = nullptr;
    if (done) done(!suback->return_codes.empty() && suback->return_codes[0] != mqtt::kSubackFailure);
  }
}

void MqttLoadClient::close() {
  if (closed_) return;
  closed_ = true;
  connected_ = false;
  boost::system::error_code ignored;
  socket_.close(ignored);
}

void MqttLoadClient::fail(const std::string& reason) {
  if (closed_) return;
  close();
  if (on_connack_) {
    auto done = std::move(on_connack_);
    on_connack_ = nullptr;
    done(false, reason);
  }
  if (on_close) on_close(reason);
}

}  // namespace outpost::load

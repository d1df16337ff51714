// A pipelined MQTT 3.1.1 client for load generation and crash tests: many QoS 1 publishes in
// flight, PUBACK callbacks, automatic PUBACKs for what it receives, reconnect on demand.
// Single-threaded on an Asio io_context; speaks to any broker (outpost-hub, mosquitto), over
// plain TCP or, with ClientSettings::tls_ca, over TLS.
#pragma once
#include <utility>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include "outpost/mqtt_codec/codec.h"

namespace outpost::load {

struct ClientSettings {
  std::string host = "127.0.0.1";
  std::uint16_t port = 1883;
  std::string client_id;
  std::optional<std::string> username;
  std::optional<std::string> password;
  bool clean_session = true;
  // Non-empty: TLS, trusting this CA file (the server's certificate must name `host`).
  std::string tls_ca;
};

class MqttLoadClient : public std::enable_shared_from_this<MqttLoadClient> {
 public:
  using ConnectHandler = std::function<void(bool ok, std::string error)>;
  using AckHandler = std::function<void(std::uint16_t packet_id)>;
  using MessageHandler = std::function<void(const mqtt::PublishPacket&)>;
  using CloseHandler = std::function<void(std::string reason)>;

  MqttLoadClient(boost::asio::io_context& io, ClientSettings settings);

  void connect(ConnectHandler done);
  void subscribe(const std::string& filter, std::uint8_t qos, std::function<void(bool)> done);
  // Returns the packet id (QoS 1) so the caller can match the PUBACK.
  std::uint16_t publish(const std::string& topic, const std::string& payload, std::uint8_t qos);
  void close();
  bool connected() const { return connected_; }

  AckHandler on_ack;
  MessageHandler on_message;
  CloseHandler on_close;

 private:
  void read();
  void handle(mqtt::Packet& packet);
  void flush();
  void fail(const std::string& reason);
  void start_session();  // CONNECT, then read
  // Calls f with the stream in use: the TLS stream or the plain socket.
  template <class F>
  void with_stream(F&& f) {
    if (tls_) f(*tls_);
    else f(socket_);
  }

  boost::asio::io_context& io_;
  ClientSettings settings_;
  boost::asio::ip::tcp::socket socket_;
  std::unique_ptr<boost::asio::ssl::context> tls_context_;
  std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
  mqtt::FrameReader reader_{64 << 20};
  std::string out_, writing_;
  bool writing_now_ = false;
  bool connected_ = false;
  bool closed_ = false;
  std::uint16_t next_id_ = 0;
  ConnectHandler on_connack_;
  std::function<void(bool)> on_suback_;
};

}  // namespace outpost::load

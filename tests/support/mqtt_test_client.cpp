#include "support/mqtt_test_client.h"

#include <utility>  // before Asio: its awaitable needs std::exchange on g++ 12

#include <thread>

#include <boost/asio.hpp>

#include "outpost/mqtt_codec/codec.h"

namespace outpost::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct MqttTestClient::Impl {
  asio::io_context io;
  tcp::socket socket{io};
  mqtt::FrameReader reader{64 << 20};
  std::string error;
  bool closed = false;
  std::uint8_t level = mqtt::kMqtt311;  // the CONNECT's: packets are written and read at it
};

MqttTestClient::MqttTestClient() : impl_(std::make_unique<Impl>()) {}
MqttTestClient::~MqttTestClient() = default;

bool MqttTestClient::connect_tcp(const std::string& host, std::uint16_t port) {
  boost::system::error_code ec;
  impl_->socket.connect(tcp::endpoint(asio::ip::make_address(host), port), ec);
  if (ec) impl_->error = ec.message();
  else impl_->socket.set_option(tcp::no_delay(true));
  return !ec;
}

void MqttTestClient::send(const mqtt::Packet& packet) {
  std::string bytes;
  mqtt::encode(bytes, packet, impl_->level);
  send_raw(bytes);
}

void MqttTestClient::send_raw(const std::string& bytes) {
  boost::system::error_code ec;
  asio::write(impl_->socket, asio::buffer(bytes), ec);
  if (ec) impl_->error = ec.message();
}

std::optional<mqtt::Packet> MqttTestClient::receive(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto frame = impl_->reader.next();
    if (!frame) {
      impl_->error = frame.error();
      return std::nullopt;
    }
    if (*frame) {
      auto packet = mqtt::decode_packet(**frame, impl_->level);
      if (!packet) {
        impl_->error = packet.error();
        return std::nullopt;
      }
      return std::move(*packet);
    }
    if (impl_->closed) return std::nullopt;
    // Read with a deadline: async read + run_until.
    char* space = impl_->reader.prepare(65536);
    std::size_t got = 0;
    boost::system::error_code ec = asio::error::would_block;
    impl_->socket.async_read_some(asio::buffer(space, 65536),
                                  [&](const boost::system::error_code& e, std::size_t n) {
                                    ec = e;
                                    got = n;
                                  });
    impl_->io.restart();
    impl_->io.run_until(deadline);
    if (ec == asio::error::would_block) {
      impl_->socket.cancel();
      impl_->io.restart();
      impl_->io.run();
      impl_->reader.commit(got);
      if (got == 0) {
        impl_->error = "timed out";
        return std::nullopt;
      }
      continue;
    }
    impl_->reader.commit(got);
    if (ec) {
      impl_->closed = true;
      impl_->error = ec.message();
    }
  }
}

bool MqttTestClient::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto p = receive(left);
    if (!p && impl_->closed) return true;
    if (!p) return false;
  }
  return impl_->closed;
}

std::optional<mqtt::ConnackPacket> MqttTestClient::handshake(const mqtt::ConnectPacket& connect) {
  impl_->level = connect.protocol_level == mqtt::kMqtt5 ? mqtt::kMqtt5 : mqtt::kMqtt311;
  send(connect);
  return receive_a<mqtt::ConnackPacket>();
}

std::string MqttTestClient::last_error() const { return impl_->error; }

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // polling interval, not a wait for a condition
  }
  return true;
}

}  // namespace outpost::testing

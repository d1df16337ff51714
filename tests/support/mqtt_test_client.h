// A blocking MQTT 3.1.1 client for tests: plain TCP to a loopback server, every wait bounded
// by a deadline so a broken server fails a test with a message instead of hanging it.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "outpost/mqtt_codec/packets.h"

namespace outpost::testing {

class MqttTestClient {
 public:
  MqttTestClient();
  ~MqttTestClient();

  bool connect_tcp(const std::string& host, std::uint16_t port);
  void send(const mqtt::Packet& packet);
  void send_raw(const std::string& bytes);

  // Next packet, or nullopt when nothing arrives before the timeout or the socket closed.
  std::optional<mqtt::Packet> receive(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // True when the server closes the connection within the timeout (no more packets).
  bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // Convenience: CONNECT and return the CONNACK (nullopt if none arrived). An MQTT 5 CONNECT
  // makes the client write and read MQTT 5 from then on.
  std::optional<mqtt::ConnackPacket> handshake(const mqtt::ConnectPacket& connect);
  // Receives until a packet of type T arrives (others are dropped); nullopt on timeout.
  template <typename T>
  std::optional<T> receive_a(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      auto p = receive(left);
      if (!p) return std::nullopt;
      if (auto* t = std::get_if<T>(&*p)) return *t;
    }
  }

  std::string last_error() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Runs `condition` until it holds or `timeout` passes; returns whether it held.
bool wait_until(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace outpost::testing

// Two servers on one WebSocket port, told apart by subprotocol: IoT Edge serves MQTT
// ("mqtt") and AMQP ("AMQPWSB10") on 443. The listener's owner upgrades the connection and
// hands the ones of another subprotocol over, ready to read and write.
#pragma once
#include <functional>
#include <memory>
#include <string>

namespace outpost::net {

class StreamTransport;  // net_internal/stream_transport.h: only Asio-level libraries use it

struct WebSocketHandoff {
  std::string subprotocol;
  std::function<void(std::unique_ptr<StreamTransport>)> take;
};

}  // namespace outpost::net

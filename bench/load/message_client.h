// What outpost-load's publisher and subscriber need of a protocol client, so one Publisher and
// one Subscriber drive MQTT (mqtt_message_client.h) and AMQP (amqp_load_client.h) alike.
// Single-threaded: every call and callback on the io_context's thread.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace outpost::load {

class MessageClient {
 public:
  using ConnectHandler = std::function<void(bool ok, std::string error)>;
  virtual ~MessageClient() = default;

  // Connected and authenticated; a publisher can send() once `done(true)` ran. A failure
  // before that is reported to `done` only, not to on_close.
  virtual void connect(ConnectHandler done) = 0;
  // Starts receiving (MQTT: SUBSCRIBE; AMQP: the inputs receiver link). done(false): refused.
  virtual void subscribe(std::function<void(bool granted)> done) = 0;
  // Sends one message; returns the id on_ack reports once the server took responsibility
  // for it (QoS 1 PUBACK, AMQP accepted). With MQTT QoS 0 nothing is acknowledged.
  virtual std::uint64_t send(std::string_view body) = 0;
  virtual bool connected() const = 0;
  // Ends the connection; no callback runs after it.
  virtual void close() = 0;

  std::function<void(std::uint64_t id)> on_ack;
  // The server refused a message for good (AMQP rejected): resending would not help.
  std::function<void(std::uint64_t id, std::string why)> on_refused;
  std::function<void(std::string_view body)> on_received;
  std::function<void(std::string reason)> on_close;  // lost after connect() succeeded
};

}  // namespace outpost::load

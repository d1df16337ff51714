// MqttLoadClient as a MessageClient: one publish topic, one subscription filter, one QoS.
#pragma once
#include <memory>
#include <string>

#include "load/message_client.h"
#include "load/mqtt_load_client.h"

namespace outpost::load {

class MqttMessageClient final : public MessageClient, public std::enable_shared_from_this<MqttMessageClient> {
 public:
  MqttMessageClient(boost::asio::io_context& io, ClientSettings settings, std::string topic, std::string filter,
                    std::uint8_t qos)
      : client_(std::make_shared<MqttLoadClient>(io, std::move(settings))),
        topic_(std::move(topic)), filter_(std::move(filter)), qos_(qos) {}
  ~MqttMessageClient() override { close(); }

  void connect(ConnectHandler done) override {
    // Weak: the MQTT client's pending I/O may outlive this adapter.
    std::weak_ptr<MqttMessageClient> weak = shared_from_this();
    client_->on_ack = [weak](std::uint16_t id) {
      if (auto self = weak.lock(); self && self->on_ack) self->on_ack(id);
    };
    client_->on_message = [weak](const mqtt::PublishPacket& p) {
      if (auto self = weak.lock(); self && self->on_received) self->on_received(p.payload);
    };
    client_->on_close = [weak](std::string reason) {
      if (auto self = weak.lock(); self && self->on_close) self->on_close(std::move(reason));
    };
    client_->connect([weak, done = std::move(done)](bool ok, std::string error) {
      if (weak.lock()) done(ok, std::move(error));
    });
  }
  void subscribe(std::function<void(bool)> done) override { client_->subscribe(filter_, 1, std::move(done)); }
  std::uint64_t send(std::string_view body) override { return client_->publish(topic_, std::string(body), qos_); }
  bool connected() const override { return client_->connected(); }
  void close() override {
    client_->on_ack = nullptr;
    client_->on_message = nullptr;
    client_->on_close = nullptr;
    client_->close();
  }

 private:
  std::shared_ptr<MqttLoadClient> client_;
  std::string topic_, filter_;
  std::uint8_t qos_;
};

}  // namespace outpost::load

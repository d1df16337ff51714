// An mqtt::Connection without a socket, for driving an mqtt::Handler (the edge hub, the
// cloud's device endpoint) in process. It plays the server's part the way mqtt::Server's
// sessions do — tickets for QoS 1 PUBLISHes, PUBACKs released in arrival order, packet ids
// for deliveries, on_close called synchronously from close() once CONNECT was accepted —
// and records what the handler did: publishes, completed tickets, pause/resume, close.
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "outpost/mqtt/server.h"

namespace outpost::testing {

class FakeConnection final : public mqtt::Connection, public std::enable_shared_from_this<FakeConnection> {
 public:
  struct Published {
    std::string topic;
    std::string payload;
    std::uint8_t qos = 0;
    std::uint64_t tag = 0;
    bool dup = false;
    bool retain = false;
    std::optional<mqtt::Properties> properties;  // what an MQTT 5 client would get
  };

  // `handler` may be null: then the test calls the handler's code itself (e.g. a
  // ModuleDelivery without an EdgeHub) and connect()/send_*() must not be used.
  static std::shared_ptr<FakeConnection> make(mqtt::Handler* handler, std::string client_id = {},
                                              std::string transport = "tcp");

  // ---- the client's side, through the handler, as the server would ----
  mqtt::ConnectDecision connect(const mqtt::ConnectPacket& packet);
  // Returns the ticket the handler got (0 for QoS 0).
  mqtt::PublishTicket send_publish(std::string topic, std::string payload, std::uint8_t qos = 1, bool retain = false);
  mqtt::PublishTicket send_publish(mqtt::PublishPacket packet);  // with MQTT 5 properties
  std::vector<std::uint8_t> subscribe(const std::vector<std::string>& filters, std::uint8_t qos = 1);
  std::vector<std::uint8_t> subscribe(const std::vector<mqtt::Subscription>& subscriptions);  // with options
  void unsubscribe(const std::vector<std::string>& filters);
  // PUBACK for a delivery (by the tag the handler gave publish()); false if not in flight.
  bool puback(std::uint64_t tag);
  // The connection ends from the client's side (DISCONNECT, a dead socket, keep-alive).
  void drop(mqtt::CloseReason reason);
  // An MQTT 5 DISCONNECT that sets a Session Expiry Interval (disconnect_session_expiry()),
  // with reason 0 (client_disconnect) or another (client_disconnect_with_will).
  void disconnect_with_expiry(std::uint32_t session_expiry,
                              mqtt::CloseReason reason = mqtt::CloseReason::client_disconnect);

  // ---- what the handler did ----
  const std::vector<Published>& published() const { return published_; }
  // The QoS 1 deliveries not yet PUBACKed, oldest first.
  std::vector<Published> in_flight() const;
  // Tickets the handler completed, in completion order.
  const std::vector<mqtt::PublishTicket>& completed() const { return completed_; }
  // PUBACKs the server would have sent: completed tickets with every earlier one completed.
  std::size_t pubacks_sent() const { return pubacks_sent_; }
  bool paused() const { return paused_; }
  int pause_calls() const { return pause_calls_; }
  int resume_calls() const { return resume_calls_; }
  std::optional<mqtt::CloseReason> close_reason() const { return close_reason_; }
  const std::string& close_detail() const { return close_detail_; }
  bool accepted() const { return accepted_; }
  void clear_published() { published_.clear(); }
  // Answers refuse_publish as an AMQP identity does (the one message refused, the connection
  // stays) instead of as MQTT (false: the handler closes it).
  void refuse_single_messages() { refuses_single_messages_ = true; }
  // The refusals the handler made through refuse_publish, by ticket.
  const std::map<mqtt::PublishTicket, mqtt::PublishRefusal>& refused() const { return refused_; }

  // mqtt::Connection
  std::uint64_t id() const override { return id_; }
  const std::string& client_id() const override { return client_id_; }
  const std::string& remote_address() const override { return remote_address_; }
  const char* transport_name() const override { return transport_.c_str(); }
  std::uint8_t protocol_level() const override { return protocol_level_; }  // the CONNECT's
  std::optional<std::uint32_t> disconnect_session_expiry() const override { return disconnect_session_expiry_; }
  bool open() const override { return !close_reason_; }
  void publish(std::string_view topic, std::string_view payload, std::uint8_t qos, std::uint64_t tag = 0,
               bool dup = false, bool retain = false, const mqtt::Properties* properties = nullptr) override;
  std::size_t outbound_in_flight() const override { return in_flight_.size(); }
  void complete_publish(mqtt::PublishTicket ticket, std::uint8_t reason_code = 0) override;
  bool refuse_publish(mqtt::PublishTicket ticket, mqtt::PublishRefusal refusal, std::string_view why) override;
  // The reason code the handler completed `ticket` with (MQTT 5), or nullopt if not completed.
  std::optional<std::uint8_t> completion_reason(mqtt::PublishTicket ticket) const;
  void pause_reading() override;
  void resume_reading() override;
  void close(mqtt::CloseReason reason, std::string_view detail) override;

 private:
  FakeConnection(mqtt::Handler* handler, std::string client_id, std::string transport);

  mqtt::Handler* handler_;
  std::uint64_t id_;
  std::string client_id_;
  std::string transport_;
  std::string remote_address_ = "127.0.0.1:50000";
  bool accepted_ = false;
  std::uint8_t protocol_level_ = mqtt::kMqtt311;
  std::vector<Published> published_;
  std::map<std::uint16_t, Published> in_flight_;  // by packet id: oldest first
  std::uint16_t last_packet_id_ = 0;
  mqtt::PublishTicket next_ticket_ = 1;
  std::deque<bool> owed_;  // from ticket first_owed_: completed yet?
  mqtt::PublishTicket first_owed_ = 1;
  std::vector<mqtt::PublishTicket> completed_;
  std::map<mqtt::PublishTicket, std::uint8_t> completion_reasons_;
  bool refuses_single_messages_ = false;
  std::map<mqtt::PublishTicket, mqtt::PublishRefusal> refused_;
  std::size_t pubacks_sent_ = 0;
  bool paused_ = false;
  int pause_calls_ = 0;
  int resume_calls_ = 0;
  std::optional<mqtt::CloseReason> close_reason_;
  std::optional<std::uint32_t> disconnect_session_expiry_;
  std::string close_detail_;
};

}  // namespace outpost::testing

// One identity proved on an AMQP connection, as the mqtt::Handler sees it: an mqtt::Connection
// whose "topics" are the identity's links. Links the client attaches become subscriptions and
// publishes on IoT Hub's MQTT topics; what the handler publishes becomes AMQP messages on the
// link that topic belongs to (hub-protocol.md §5 for both sides of the mapping).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include <proton/delivery.hpp>
#include <proton/message.hpp>
#include <proton/message_id.hpp>
#include <proton/receiver.hpp>
#include <proton/sender.hpp>
#include <proton/session.hpp>

#include "link_address.h"
#include "outpost/iothub/identity.h"
#include "outpost/mqtt/server.h"

namespace outpost::amqp {

class AmqpConnection;
struct ServerContext;

class IdentityConnection final : public mqtt::Connection, public std::enable_shared_from_this<IdentityConnection> {
 public:
  IdentityConnection(std::uint64_t id, iothub::Identity identity, std::weak_ptr<AmqpConnection> owner,
                     std::shared_ptr<ServerContext> context, std::string remote_address, const char* transport_name,
                     const net::ClientCertificate* certificate);

  // Asks the handler to accept the identity (a CONNECT it would have got over MQTT).
  // `auth_chain`: "{this};{edge}[;…]" when an edge acts for it with the edge's token.
  mqtt::ConnectDecision connect(const std::string& host, const std::string& token,
                                const std::optional<std::string>& auth_chain = std::nullopt);
  const iothub::Identity& identity() const { return identity_; }
  // The session its links are on (the first one's): when the client ends that session, the
  // identity leaves (an edge closes a child's session when the child left it).
  void bind_session(const proton::session& s) {
    if (!session_) session_ = s;
  }
  bool on_session(const proton::session& s) const { return session_ && *session_ == s; }

  // Links of this identity. attach_* return an error condition ("" when attached).
  std::string attach_sender(proton::sender& sender, LinkKind kind);    // the client receives
  std::string attach_receiver(proton::receiver& receiver, LinkKind kind);  // the client sends
  void detach_sender(const proton::sender& sender);
  void detach_receiver(const proton::receiver& receiver);
  // A message the client sent on one of this identity's links (`receiver`, of `kind`).
  void on_message(proton::delivery& delivery, const proton::message& message, LinkKind kind);
  // The client settled a message sent with `delivery_tag`.
  void on_settled(std::uint64_t delivery_tag);
  // The client released (abandoned) it: the handler is not told it was delivered, so it stays
  // in the store and comes again on the identity's next connection.
  void on_released(std::uint64_t delivery_tag);
  // The AMQP connection is gone: tells the handler, no Proton calls.
  void end(mqtt::CloseReason reason);

  // mqtt::Connection
  std::uint64_t id() const override { return id_; }
  const std::string& client_id() const override { return client_id_; }
  const std::string& remote_address() const override { return remote_address_; }
  const char* transport_name() const override { return transport_name_; }
  const net::ClientCertificate* client_certificate() const override { return certificate_; }
  bool open() const override { return open_; }
  void publish(std::string_view topic, std::string_view payload, std::uint8_t qos, std::uint64_t tag = 0,
               bool dup = false, bool retain = false, const mqtt::Properties* properties = nullptr) override;
  std::size_t outbound_in_flight() const override { return in_flight_.size() + released_.size(); }
  void complete_publish(mqtt::PublishTicket ticket, std::uint8_t reason_code = 0) override;
  bool refuse_publish(mqtt::PublishTicket ticket, mqtt::PublishRefusal refusal, std::string_view why) override;
  void pause_reading() override;
  void resume_reading() override;
  void close(mqtt::CloseReason reason, std::string_view detail) override;

 private:
  struct OutLink {
    proton::sender sender;
    LinkKind kind;
  };
  // Hands a message the client sent to the handler as a QoS 1 PUBLISH; its settlement
  // follows complete_publish.
  void publish_to_handler(proton::delivery& delivery, std::string topic, std::string payload);
  void refuse(proton::delivery& delivery, const std::string& why);
  void on_twin_request(proton::delivery& delivery, const proton::message& message);
  void on_method_response(proton::delivery& delivery, const proton::message& message);
  bool send(LinkKind kind, proton::message& message, std::uint8_t qos, std::uint64_t tag);
  std::optional<proton::sender> sender_of(LinkKind kind) const;
  void reply_twin(const proton::message_id& correlation_id, int status);
  std::vector<std::uint8_t> subscribe(const std::string& filter);
  void poke_owner();

  std::optional<proton::session> session_;
  const std::uint64_t id_;
  const iothub::Identity identity_;
  const std::string client_id_;
  std::weak_ptr<AmqpConnection> owner_;
  std::shared_ptr<ServerContext> context_;
  const std::string remote_address_;
  const char* const transport_name_;
  const net::ClientCertificate* const certificate_;
  bool open_ = false;           // accepted by the handler and not closed
  bool handler_knows_ = false;  // the handler accepted it: on_close is owed
  std::vector<OutLink> out_links_;
  std::uint64_t next_ticket_ = 1;
  std::unordered_map<mqtt::PublishTicket, proton::delivery> owed_;  // deliveries awaiting complete_publish
  std::uint64_t next_delivery_tag_ = 1;
  std::unordered_map<std::uint64_t, std::uint64_t> in_flight_;  // delivery tag -> the handler's tag
  std::unordered_map<std::uint64_t, std::uint64_t> released_;   // the same, for released ones
  // Twin requests in flight: the $rid given to the handler -> the client's correlation-id
  // (replied with its own AMQP type: the SDKs match on it).
  std::uint64_t next_rid_ = 1;
  std::map<std::string, proton::message_id> twin_requests_;
};

}  // namespace outpost::amqp

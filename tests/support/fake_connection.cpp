#include "support/fake_connection.h"

#include <atomic>
#include <stdexcept>

namespace outpost::testing {

namespace {
std::atomic<std::uint64_t> next_id{1};
}

std::shared_ptr<FakeConnection> FakeConnection::make(mqtt::Handler* handler, std::string client_id,
                                                     std::string transport) {
  return std::shared_ptr<FakeConnection>(new FakeConnection(handler, std::move(client_id), std::move(transport)));
}

FakeConnection::FakeConnection(mqtt::Handler* handler, std::string client_id, std::string transport)
    : handler_(handler), id_(next_id++), client_id_(std::move(client_id)), transport_(std::move(transport)) {}

mqtt::ConnectDecision FakeConnection::connect(const mqtt::ConnectPacket& packet) {
  if (!handler_) throw std::logic_error("FakeConnection::connect needs a handler");
  client_id_ = packet.client_id;
  protocol_level_ = packet.protocol_level;
  const auto decision = handler_->on_connect(shared_from_this(), packet);
  accepted_ = decision.code == mqtt::ConnectReturnCode::accepted && open();
  // A refused connection is closed once its CONNACK is out; the handler is not told.
  if (!accepted_ && open()) close_reason_ = mqtt::CloseReason::server_closed;
  return decision;
}

mqtt::PublishTicket FakeConnection::send_publish(std::string topic, std::string payload, std::uint8_t qos,
                                                 bool retain) {
  mqtt::PublishPacket packet;
  packet.topic = std::move(topic);
  packet.payload = std::move(payload);
  packet.qos = qos;
  packet.retain = retain;
  return send_publish(std::move(packet));
}

mqtt::PublishTicket FakeConnection::send_publish(mqtt::PublishPacket packet) {
  if (!accepted_ || !open()) throw std::logic_error("FakeConnection::send_publish on a connection not open");
  mqtt::PublishTicket ticket = 0;
  if (packet.qos >= 1) {
    ticket = next_ticket_++;
    owed_.push_back(false);
  }
  handler_->on_publish(shared_from_this(), std::move(packet), ticket);
  return ticket;
}

std::vector<std::uint8_t> FakeConnection::subscribe(const std::vector<std::string>& filters, std::uint8_t qos) {
  std::vector<mqtt::Subscription> subs;
  for (const auto& f : filters) subs.push_back({f, qos});
  return subscribe(subs);
}

std::vector<std::uint8_t> FakeConnection::subscribe(const std::vector<mqtt::Subscription>& subscriptions) {
  if (!accepted_ || !open()) throw std::logic_error("FakeConnection::subscribe on a connection not open");
  auto codes = handler_->on_subscribe(shared_from_this(), subscriptions);
  if (protocol_level_ < mqtt::kMqtt5)  // as mqtt::Session answers 3.1.1: one failure code
    for (auto& code : codes)
      if (code > 2) code = mqtt::kSubackFailure;
  return codes;
}

void FakeConnection::unsubscribe(const std::vector<std::string>& filters) {
  if (!accepted_ || !open()) throw std::logic_error("FakeConnection::unsubscribe on a connection not open");
  handler_->on_unsubscribe(shared_from_this(), filters);
}

bool FakeConnection::puback(std::uint64_t tag) {
  for (auto it = in_flight_.begin(); it != in_flight_.end(); ++it) {
    if (it->second.tag != tag) continue;
    in_flight_.erase(it);
    if (handler_ && open()) handler_->on_delivered(shared_from_this(), tag);
    return true;
  }
  return false;
}

void FakeConnection::drop(mqtt::CloseReason reason) { close(reason, "closed by the test"); }

void FakeConnection::disconnect_with_expiry(std::uint32_t session_expiry, mqtt::CloseReason reason) {
  disconnect_session_expiry_ = session_expiry;
  drop(reason);
}

std::vector<FakeConnection::Published> FakeConnection::in_flight() const {
  std::vector<Published> out;
  for (const auto& [id, p] : in_flight_) out.push_back(p);
  return out;
}

void FakeConnection::publish(std::string_view topic, std::string_view payload, std::uint8_t qos,
                             std::uint64_t tag, bool dup, bool retain, const mqtt::Properties* properties) {
  if (!open()) return;
  Published p{std::string(topic), std::string(payload), qos, tag, dup, retain, std::nullopt};
  if (properties && protocol_level_ >= mqtt::kMqtt5) p.properties = *properties;
  if (qos > 0) {
    do {
      ++last_packet_id_;
    } while (last_packet_id_ == 0 || in_flight_.count(last_packet_id_) > 0);
    in_flight_.emplace(last_packet_id_, p);
  }
  published_.push_back(std::move(p));
}

std::optional<std::uint8_t> FakeConnection::completion_reason(mqtt::PublishTicket ticket) const {
  const auto it = completion_reasons_.find(ticket);
  return it == completion_reasons_.end() ? std::nullopt : std::optional(it->second);
}

void FakeConnection::complete_publish(mqtt::PublishTicket ticket, std::uint8_t reason_code) {
  completed_.push_back(ticket);
  completion_reasons_[ticket] = reason_code;
  if (!open() || ticket < first_owed_ || ticket >= first_owed_ + owed_.size()) return;
  owed_[ticket - first_owed_] = true;
  while (!owed_.empty() && owed_.front()) {
    owed_.pop_front();
    ++first_owed_;
    ++pubacks_sent_;
  }
}

bool FakeConnection::refuse_publish(mqtt::PublishTicket ticket, mqtt::PublishRefusal refusal, std::string_view) {
  if (!refuses_single_messages_) return false;
  refused_[ticket] = refusal;
  return true;
}

void FakeConnection::pause_reading() {
  paused_ = true;
  ++pause_calls_;
}

void FakeConnection::resume_reading() {
  paused_ = false;
  ++resume_calls_;
}

void FakeConnection::close(mqtt::CloseReason reason, std::string_view detail) {
  if (close_reason_) return;
  close_reason_ = reason;
  close_detail_ = std::string(detail);
  in_flight_.clear();
  // As the server's session does: the handler hears of it at once, if it accepted CONNECT.
  if (handler_ && accepted_) handler_->on_close(shared_from_this(), reason);
}

}  // namespace outpost::testing

#include "identity_connection.h"

#include <algorithm>
#include <cstring>

#include <proton/annotation_key.hpp>
#include <proton/binary.hpp>
#include <proton/error_condition.hpp>
#include <proton/scalar.hpp>
#include <spdlog/spdlog.h>

#include "amqp_connection.h"
#include "message_mapping.h"
#include "proton_handles.h"
#include "outpost/core/encoding.h"
#include "outpost/core/property_bag.h"
#include "outpost/iothub/topics.h"
#include "outpost/iothub/username.h"

namespace outpost::amqp {
namespace {

constexpr std::string_view kDesiredFilter = "$iothub/twin/PATCH/properties/desired/#";
// Deliveries the handler does not need to hear about (QoS 0: twin replies, method calls)
// carry tags with this bit, so a settlement is never mistaken for another's.
constexpr std::uint64_t kUntracked = std::uint64_t{1} << 63;

std::optional<std::string> annotation_string(const proton::message& m, const char* key) {
  const auto& annotations = m.message_annotations();
  if (!annotations.exists(proton::annotation_key(key))) return std::nullopt;
  const auto value = annotations.get(proton::annotation_key(key));
  if (value.type() != proton::STRING && value.type() != proton::SYMBOL) return std::nullopt;
  return proton::coerce<std::string>(value);
}

// IoThub-status: an int from the Node SDK (rhea wrap_int); a string or other integer from others.
std::optional<int> status_property(const proton::message& m) {
  const auto& properties = m.properties();
  if (!properties.exists("IoThub-status")) return std::nullopt;
  const auto value = properties.get("IoThub-status");
  try {
    switch (value.type()) {
      case proton::STRING: return std::stoi(proton::get<std::string>(value));
      case proton::INT: case proton::LONG: case proton::SHORT: case proton::UINT: case proton::ULONG:
      case proton::USHORT: case proton::BYTE: case proton::UBYTE:
        return static_cast<int>(proton::coerce<std::int64_t>(value));
      default: return std::nullopt;
    }
  } catch (const std::exception&) {
    return std::nullopt;
  }
}



}  // namespace

IdentityConnection::IdentityConnection(std::uint64_t id, iothub::Identity identity, std::weak_ptr<AmqpConnection> owner,
                                       std::shared_ptr<ServerContext> context, std::string remote_address,
                                       const char* transport_name, const net::ClientCertificate* certificate)
    : id_(id),
      identity_(std::move(identity)),
      client_id_(identity_.id()),
      owner_(std::move(owner)),
      context_(std::move(context)),
      remote_address_(std::move(remote_address)),
      transport_name_(transport_name),
      certificate_(certificate) {}

mqtt::ConnectDecision IdentityConnection::connect(const std::string& host, const std::string& token,
                                                  const std::optional<std::string>& auth_chain) {
  mqtt::ConnectPacket packet;
  packet.client_id = client_id_;
  packet.username = iothub::format_mqtt_username(host, identity_, iothub::kApiVersion, auth_chain);
  if (!token.empty()) packet.password = token;  // none: the TLS client certificate (SASL EXTERNAL)
  packet.clean_session = true;                  // AMQP clients attach their links again
  const auto decision = context_->handler.on_connect(shared_from_this(), packet);
  if (decision.code == mqtt::ConnectReturnCode::accepted) open_ = handler_knows_ = true;
  return decision;
}

std::vector<std::uint8_t> IdentityConnection::subscribe(const std::string& filter) {
  mqtt::Subscription subscription;
  subscription.filter = filter;
  subscription.qos = 1;
  return context_->handler.on_subscribe(shared_from_this(), {subscription});
}

namespace {
// The subscription a link of the client's (receiving) stands for.
std::optional<std::string> filter_for(const iothub::Identity& identity, LinkKind kind) {
  switch (kind) {
    case LinkKind::events:
      if (!identity.module_id) return std::nullopt;  // devices receive on /messages/devicebound
      return "devices/" + identity.device_id + "/modules/" + *identity.module_id + "/inputs/#";
    case LinkKind::devicebound:
      if (identity.module_id) return std::nullopt;
      return "devices/" + identity.device_id + "/messages/devicebound/#";
    case LinkKind::methods: return "$iothub/methods/POST/#";
    case LinkKind::twin: return "$iothub/twin/res/#";
  }
  return std::nullopt;
}
}  // namespace

std::string IdentityConnection::attach_sender(proton::sender& sender, LinkKind kind) {
  if (!open_) return "amqp:unauthorized-access";
  const auto filter = filter_for(identity_, kind);
  if (!filter) return "amqp:not-allowed";
  // Recorded first: the subscription may deliver at once (queued messages, waiting calls).
  out_links_.push_back({sender, kind});
  const auto codes = subscribe(*filter);
  if (codes.empty() || codes[0] >= 0x80) {
    out_links_.erase(std::remove_if(out_links_.begin(), out_links_.end(),
                                    [&](const OutLink& l) { return l.sender == sender; }),
                     out_links_.end());
    return "amqp:unauthorized-access";
  }
  return {};
}

std::string IdentityConnection::attach_receiver(proton::receiver&, LinkKind kind) {
  if (!open_) return "amqp:unauthorized-access";
  if (kind == LinkKind::devicebound) return "amqp:not-allowed";  // cloud-to-device is the hub's to send
  return {};
}

void IdentityConnection::detach_sender(const proton::sender& sender) {
  const auto it = std::find_if(out_links_.begin(), out_links_.end(), [&](const OutLink& l) { return l.sender == sender; });
  if (it == out_links_.end()) return;
  const auto kind = it->kind;
  out_links_.erase(it);
  if (!open_ || sender_of(kind)) return;  // another link of the kind still receives
  if (const auto filter = filter_for(identity_, kind)) {
    std::vector<std::string> filters{*filter};
    if (kind == LinkKind::twin) filters.emplace_back(kDesiredFilter);
    context_->handler.on_unsubscribe(shared_from_this(), filters);
  }
}

void IdentityConnection::detach_receiver(const proton::receiver&) {
  // Messages it delivered and the handler has not completed stay owed: complete_publish
  // settles them if the link is still there; otherwise the client sends them again.
}

std::optional<proton::sender> IdentityConnection::sender_of(LinkKind kind) const {
  for (const auto& link : out_links_)
    if (link.kind == kind && link.sender.active()) return link.sender;
  return std::nullopt;
}

void IdentityConnection::on_message(proton::delivery& delivery, const proton::message& message, LinkKind kind) {
  if (!open_) {
    delivery.release();
    return;
  }
  switch (kind) {
    case LinkKind::events: {
      auto mapped = from_amqp(message);
      if (!mapped) return refuse(delivery, mapped.error());
      std::string topic = "devices/" + identity_.device_id;
      if (identity_.module_id) topic += "/modules/" + *identity_.module_id;
      topic += "/messages/events/";
      append_property_bag(topic, *mapped);
      return publish_to_handler(delivery, std::move(topic), std::move(mapped->body));
    }
    case LinkKind::twin: return on_twin_request(delivery, message);
    case LinkKind::methods: return on_method_response(delivery, message);
    case LinkKind::devicebound: return refuse(delivery, "cloud-to-device links do not take messages from clients");
  }
}

void IdentityConnection::publish_to_handler(proton::delivery& delivery, std::string topic, std::string payload) {
  const auto ticket = next_ticket_++;
  owed_.emplace(ticket, delivery);
  mqtt::PublishPacket packet;
  packet.topic = std::move(topic);
  packet.payload = std::move(payload);
  packet.qos = 1;
  packet.packet_id = 1;
  context_->handler.on_publish(shared_from_this(), std::move(packet), ticket);
}

void IdentityConnection::refuse(proton::delivery& delivery, const std::string& why) {
  spdlog::warn("amqp: refusing a message of '{}' from {}: {}", client_id_, remote_address_, why);
  delivery.reject();
  auto receiver = delivery.receiver();
  if (receiver.active()) receiver.add_credit(1);
}

void IdentityConnection::complete_publish(mqtt::PublishTicket ticket, std::uint8_t reason_code) {
  const auto it = owed_.find(ticket);
  if (it == owed_.end()) return;
  auto delivery = it->second;
  owed_.erase(it);
  auto receiver = delivery.receiver();
  if (!receiver.active()) return;  // detached meanwhile: the client sends it again
  // Settled only now: the handler has made the message durable (or refused it).
  if (reason_code == 0) delivery.accept();
  else delivery.reject();
  receiver.add_credit(1);
  poke_owner();
}

bool IdentityConnection::refuse_publish(mqtt::PublishTicket ticket, mqtt::PublishRefusal refusal, std::string_view why) {
  const auto it = owed_.find(ticket);
  if (it == owed_.end()) return true;  // already settled or its link is gone: nothing to say
  auto delivery = it->second;
  owed_.erase(it);
  auto receiver = delivery.receiver();
  if (!receiver.active()) return true;
  // IoT Hub's conditions: the SDKs turn message-size-exceeded into MessageTooLargeError.
  reject_with(delivery,
              refusal == mqtt::PublishRefusal::too_large ? "amqp:link:message-size-exceeded" : "amqp:not-allowed",
              std::string(why));
  receiver.add_credit(1);
  poke_owner();
  return true;
}

void IdentityConnection::on_twin_request(proton::delivery& delivery, const proton::message& message) {
  const auto operation = annotation_string(message, "operation").value_or("");
  const auto resource = annotation_string(message, "resource").value_or("");
  const auto correlation_id = message.correlation_id();
  if (operation == "PUT" || operation == "DELETE") {
    if (resource != "/notifications/twin/properties/desired") return refuse(delivery, "twin " + operation + " of '" + resource + "'");
    int status = 200;
    if (operation == "PUT") {
      const auto codes = subscribe(std::string(kDesiredFilter));
      if (codes.empty() || codes[0] >= 0x80) status = 401;
    } else {
      context_->handler.on_unsubscribe(shared_from_this(), {std::string(kDesiredFilter)});
    }
    delivery.accept();
    if (auto receiver = delivery.receiver(); receiver.active()) receiver.add_credit(1);
    return reply_twin(correlation_id, status);
  }
  const auto rid = std::to_string(next_rid_++);
  std::string topic;
  if (operation == "GET") {
    topic = "$iothub/twin/GET/?$rid=" + rid;
  } else if (operation == "PATCH" && resource == "/properties/reported") {
    topic = "$iothub/twin/PATCH/properties/reported/?$rid=" + rid;
  } else {
    return refuse(delivery, "twin operation '" + operation + "' on '" + resource + "'");
  }
  // Bounded: a client that never reads replies loses the oldest correlation, not memory.
  if (twin_requests_.size() >= 1024) twin_requests_.erase(twin_requests_.begin());
  twin_requests_.emplace(rid, correlation_id);
  publish_to_handler(delivery, std::move(topic), operation == "GET" ? std::string() : body_bytes(message));
}

void IdentityConnection::on_method_response(proton::delivery& delivery, const proton::message& message) {
  const auto status = status_property(message);
  if (!status) return refuse(delivery, "a method response without an integer IoThub-status");
  const auto rid = id_to_string(message.correlation_id());
  if (rid.empty()) return refuse(delivery, "a method response without a correlation-id");
  publish_to_handler(delivery, "$iothub/methods/res/" + std::to_string(*status) + "/?$rid=" + url_encode(rid),
                     body_bytes(message));
}

void IdentityConnection::reply_twin(const proton::message_id& correlation_id, int status) {
  proton::message reply;
  reply.correlation_id(correlation_id);
  reply.message_annotations().put(proton::annotation_key("status"), static_cast<std::int32_t>(status));
  send(LinkKind::twin, reply, 0, 0);
}

void IdentityConnection::publish(std::string_view topic, std::string_view payload, std::uint8_t qos, std::uint64_t tag,
                                 bool, bool, const mqtt::Properties*) {
  if (!open_) return;
  // One message reused for every send on this thread: a fresh proton::message allocates its
  // C message and half a dozen codec buffers, a third of the cost of mapping one (perf).
  static thread_local proton::message out;
  out.clear();
  LinkKind kind = LinkKind::events;
  const auto parsed = iothub::parse_server_topic(topic);
  if (const auto* input = std::get_if<iothub::InputTopic>(&parsed)) {
    Message message;
    if (auto decoded = decode_property_bag(input->bag, message); !decoded)
      spdlog::warn("amqp: delivering to '{}' without the properties of '{}': {}", client_id_, topic, decoded.error());
    message.body.assign(payload);
    to_amqp(message, out, input->input);
  } else if (const auto* c2d = std::get_if<iothub::C2dTopic>(&parsed)) {
    Message message;
    if (auto decoded = decode_property_bag(c2d->bag, message); !decoded)
      spdlog::warn("amqp: delivering to '{}' without the properties of '{}': {}", client_id_, topic, decoded.error());
    message.body.assign(payload);
    to_amqp(message, out);
    kind = LinkKind::devicebound;
  } else if (const auto* response = std::get_if<iothub::TwinResponseTopic>(&parsed)) {
    const auto it = twin_requests_.find(response->rid);
    if (it == twin_requests_.end()) {
      spdlog::debug("amqp: a twin reply for '{}' matches no request ({})", client_id_, topic);
      return;
    }
    out.correlation_id(it->second);
    twin_requests_.erase(it);
    out.message_annotations().put(proton::annotation_key("status"), static_cast<std::int32_t>(response->status));
    if (response->version) out.message_annotations().put(proton::annotation_key("version"), *response->version);
    set_data_body(out, payload);
    kind = LinkKind::twin;
  } else if (const auto* desired = std::get_if<iothub::TwinDesiredTopic>(&parsed)) {
    if (desired->version) out.message_annotations().put(proton::annotation_key("version"), *desired->version);
    set_data_body(out, payload);
    kind = LinkKind::twin;
  } else if (const auto* call = std::get_if<iothub::MethodRequestTopic>(&parsed)) {
    out.correlation_id(call->rid);
    out.properties().put("IoThub-methodname", call->method);
    set_data_body(out, payload);
    kind = LinkKind::methods;
  } else {
    spdlog::debug("amqp: '{}' has no AMQP link for topic '{}'", client_id_, topic);
    return;
  }
  if (!send(kind, out, qos, tag))
    spdlog::debug("amqp: '{}' has no {} link for '{}': not sent", client_id_, link_kind_name(kind), topic);
}

bool IdentityConnection::send(LinkKind kind, proton::message& message, std::uint8_t qos, std::uint64_t tag) {
  auto sender = sender_of(kind);
  if (!sender) return false;
  const auto delivery_tag = next_delivery_tag_++ | (qos == 0 ? kUntracked : 0);
  if (qos > 0) in_flight_.emplace(delivery_tag, tag);
  sender->send(message, amqp::delivery_tag(delivery_tag));
  poke_owner();
  return true;
}

void IdentityConnection::on_settled(std::uint64_t delivery_tag) {
  if (delivery_tag & kUntracked) return;
  const auto it = in_flight_.find(delivery_tag);
  if (it == in_flight_.end()) return;
  const auto tag = it->second;
  in_flight_.erase(it);
  if (handler_knows_) context_->handler.on_delivered(shared_from_this(), tag);
}

void IdentityConnection::on_released(std::uint64_t delivery_tag) {
  const auto it = in_flight_.find(delivery_tag);
  if (it == in_flight_.end()) return;
  released_.insert(*it);  // still owed to the handler's window until the connection ends
  in_flight_.erase(it);
}

void IdentityConnection::poke_owner() {
  if (auto owner = owner_.lock()) owner->schedule_pump();
}

void IdentityConnection::pause_reading() {
  if (auto owner = owner_.lock()) owner->pause_reading();
}

void IdentityConnection::resume_reading() {
  if (auto owner = owner_.lock()) owner->resume_reading();
}

void IdentityConnection::close(mqtt::CloseReason reason, std::string_view detail) {
  if (!open_) return;
  open_ = false;
  spdlog::debug("amqp: '{}' ({}) closed: {} ({})", client_id_, remote_address_, mqtt::close_reason_name(reason), detail);
  // The client ended it (its session): nothing to tell it. The server ended it: its links
  // close with the reason, and the connection with them when it was the last identity.
  if (auto owner = owner_.lock()) {
    if (reason == mqtt::CloseReason::client_disconnect) owner->identity_left(*this);
    else owner->identity_closed(*this, reason == mqtt::CloseReason::taken_over ? "amqp:link:stolen" : "amqp:not-allowed",
                                std::string(detail));
  }
  out_links_.clear();
  owed_.clear();
  if (handler_knows_) {
    handler_knows_ = false;
    context_->handler.on_close(shared_from_this(), reason);
  }
}

void IdentityConnection::end(mqtt::CloseReason reason) {
  open_ = false;
  out_links_.clear();
  owed_.clear();
  if (handler_knows_) {
    handler_knows_ = false;
    context_->handler.on_close(shared_from_this(), reason);
  }
}

}  // namespace outpost::amqp

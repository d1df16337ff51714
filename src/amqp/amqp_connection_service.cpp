// The service side of an AMQP connection (hub-protocol.md §5; docs/CLOUD.md, "AMQP"): a
// client that put a shared access policy's token sends cloud-to-device messages on
// /messages/devicebound and takes feedback from /messages/serviceBound/feedback.
#include <algorithm>

#include <proton/binary.hpp>
#include <proton/error_condition.hpp>
#include <proton/receiver_options.hpp>
#include <proton/source.hpp>
#include <proton/target.hpp>
#include <spdlog/spdlog.h>

#include "amqp_connection.h"
#include "message_mapping.h"
#include "proton_handles.h"
#include "outpost/core/encoding.h"

namespace outpost::amqp {
namespace {

constexpr std::string_view kC2dAddress = "/messages/devicebound";
constexpr std::string_view kFeedbackAddress = "/messages/serviceBound/feedback";
constexpr std::uint32_t kC2dCredit = 100;

// Link addresses may carry the hub's name in front (amqps://{host}/messages/devicebound).
bool names(const std::string& address, std::string_view path) {
  if (address == path) return true;
  const auto scheme = address.find("://");
  if (scheme == std::string::npos) return false;
  const auto slash = address.find('/', scheme + 3);
  return slash != std::string::npos && std::string_view(address).substr(slash) == path;
}

// "/devices/{d}/messages/devicebound", {d} percent-encoded (encodeURIComponent).
std::optional<std::string> device_of(const std::string& to) {
  constexpr std::string_view prefix = "/devices/";
  constexpr std::string_view suffix = "/messages/devicebound";
  if (to.size() <= prefix.size() + suffix.size() || !to.starts_with(prefix) || !to.ends_with(suffix)) return std::nullopt;
  const auto encoded = std::string_view(to).substr(prefix.size(), to.size() - prefix.size() - suffix.size());
  auto decoded = url_decode(encoded);
  if (!decoded || decoded->empty() || decoded->find('/') != std::string::npos) return std::nullopt;
  return *decoded;
}

}  // namespace

int AmqpConnection::admit_service(const std::string& audience, const std::string& token) {
  if (!context_->options.service->authorize_service(audience, token)) {
    spdlog::warn("amqp: refusing a service token for '{}' from {}", audience, remote_address());
    return 401;
  }
  service_ = true;
  if (counted_unauthenticated_) {
    counted_unauthenticated_ = false;
    --context_->unauthenticated;
  }
  spdlog::info("amqp: service client connected from {}", remote_address());
  return 200;
}

bool AmqpConnection::open_service_receiver(proton::receiver& r, const std::string& address) {
  if (!context_->options.service || !names(address, kC2dAddress)) return false;
  if (!service_) {
    r.open();
    r.close(proton::error_condition("amqp:unauthorized-access", "put a service token on $cbs first"));
    return true;
  }
  set_max_message_size(r, context_->options.max_message_bytes);
  r.open(proton::receiver_options().credit_window(0).auto_accept(false));
  r.add_credit(kC2dCredit);
  c2d_receivers_.emplace(r, false);
  return true;
}

bool AmqpConnection::open_service_sender(proton::sender& s, const std::string& address) {
  if (!context_->options.service || !names(address, kFeedbackAddress)) return false;
  if (!service_ || feedback_sender_) {
    s.open();
    s.close(proton::error_condition(service_ ? "amqp:resource-locked" : "amqp:unauthorized-access",
                                    service_ ? "one feedback receiver per connection" : "put a service token on $cbs first"));
    return true;
  }
  s.open();
  feedback_sender_ = s;
  offer_feedback();
  return true;
}

void AmqpConnection::on_service_message(proton::delivery& d, const proton::message& m) {
  auto receiver = d.receiver();
  if (receiver.active()) receiver.add_credit(1);
  const auto device = device_of(m.to());
  if (!device) return reject_with(d, "amqp:not-found", "'to' must be /devices/{deviceId}/messages/devicebound, not '" + m.to() + "'");
  auto message = from_amqp(m);
  if (!message) return reject_with(d, "amqp:decode-error", message.error());
  const auto refusal = context_->options.service->send_c2d(*device, std::move(*message));
  if (refusal) return reject_with(d, refusal->condition, refusal->description);
  d.accept();
}

void AmqpConnection::offer_feedback() {
  if (!feedback_sender_ || feedback_out_ || !feedback_sender_->active() || finished_) return;
  const auto batch = context_->options.service->next_feedback();
  if (!batch) return;
  proton::message message;
  message.content_type("application/vnd.microsoft.iothub.feedback.json");
  message.body(proton::binary(batch->body.begin(), batch->body.end()));
  message.inferred(true);
  const auto id = batch->id;
  proton::binary tag(sizeof id, 0);
  std::copy_n(reinterpret_cast<const char*>(&id), sizeof id, tag.begin());
  feedback_sender_->send(message, tag);
  feedback_out_ = id;
  schedule_pump();
}

void AmqpConnection::on_feedback_settled(const proton::tracker&, bool accepted) {
  const auto id = feedback_out_;
  feedback_out_.reset();
  if (id && accepted) context_->options.service->feedback_completed(*id);
  offer_feedback();  // the next batch (or the same one again, when it was not accepted)
}

}  // namespace outpost::amqp

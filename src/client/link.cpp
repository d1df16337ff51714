#include "link.h"

#include <chrono>

namespace outpost::client::detail {

Link::Link(LinkEvents& events, std::uint64_t generation, const std::string& server_uri, const std::string& client_id,
           int max_buffered)
    : events_(events),
      generation_(generation),
      client_(std::make_unique<::mqtt::async_client>(server_uri, client_id,
                                                     ::mqtt::create_options(MQTTVERSION_3_1_1, max_buffered))) {
  client_->set_callback(*this);
}

Link::~Link() {
  try {
    if (client_->is_connected()) client_->disconnect(0)->wait_for(std::chrono::milliseconds(500));
  } catch (const std::exception&) {
    // going away: nothing to tell
  }
  client_->disable_callbacks();
  client_.reset();
}

void Link::publish(const std::string& topic, const std::string& payload, std::uint64_t sequence) {
  auto message = ::mqtt::make_message(topic, payload, 1, false);
  // The sequence rides in Paho's user context: no allocation per message.
  client_->publish(std::move(message), reinterpret_cast<void*>(static_cast<std::uintptr_t>(sequence)), *this);
}

void Link::connection_lost(const std::string& cause) {
  lost_ = true;
  events_.link_lost(generation_, cause.empty() ? "the connection was lost" : cause);
}

void Link::message_arrived(::mqtt::const_message_ptr message) {
  events_.link_message(message->get_topic(), message->get_payload_str());
}

void Link::on_success(const ::mqtt::token& token) {
  events_.link_acked(generation_, reinterpret_cast<std::uintptr_t>(token.get_user_context()), true);
}

void Link::on_failure(const ::mqtt::token& token) {
  events_.link_acked(generation_, reinterpret_cast<std::uintptr_t>(token.get_user_context()), false);
}

}  // namespace outpost::client::detail

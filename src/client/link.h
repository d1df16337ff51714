// One MQTT connection attempt and its life: a Paho async_client made for it and thrown away
// when it ends. A fresh client per connection keeps Paho's own retry state out of the way:
// the Connection alone decides what is resent (and so what "acknowledged" means).
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <mqtt/async_client.h>

namespace outpost::client::detail {

// What a link reports, from Paho's threads: implementations must not block.
class LinkEvents {
 public:
  virtual ~LinkEvents() = default;
  virtual void link_lost(std::uint64_t generation, const std::string& cause) = 0;
  virtual void link_message(std::string topic, std::string payload) = 0;
  virtual void link_acked(std::uint64_t generation, std::uint64_t sequence, bool ok) = 0;
};

class Link final : public ::mqtt::callback, public ::mqtt::iaction_listener {
 public:
  // `max_buffered`: publishes Paho may hold before its send thread writes them (at least the window).
  Link(LinkEvents& events, std::uint64_t generation, const std::string& server_uri, const std::string& client_id,
       int max_buffered);
  ~Link() override;  // disconnects at once if still connected
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  ::mqtt::async_client& client() { return *client_; }
  std::uint64_t generation() const { return generation_; }
  bool lost() const { return lost_; }
  // QoS 1; the ack comes back as link_acked(generation, sequence).
  void publish(const std::string& topic, const std::string& payload, std::uint64_t sequence);

 private:
  void connected(const std::string&) override {}
  void connection_lost(const std::string& cause) override;
  void message_arrived(::mqtt::const_message_ptr message) override;
  void delivery_complete(::mqtt::delivery_token_ptr) override {}
  void on_success(const ::mqtt::token& token) override;
  void on_failure(const ::mqtt::token& token) override;

  LinkEvents& events_;
  const std::uint64_t generation_;
  std::atomic<bool> lost_{false};
  std::unique_ptr<::mqtt::async_client> client_;
};

}  // namespace outpost::client::detail

// One identity on a CloudClient's connection: its token on $cbs, a session of its own and
// the links its publishes and subscriptions need — the client side of what
// identity_connection.h serves. IoT Hub's MQTT topics in, AMQP messages out, and back.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include <proton/delivery.hpp>
#include <proton/message.hpp>
#include <proton/message_id.hpp>
#include <proton/receiver.hpp>
#include <proton/sender.hpp>
#include <proton/session.hpp>
#include <proton/symbol.hpp>
#include <proton/tracker.hpp>
#include <proton/value.hpp>

#include "outpost/amqp/cloud_client.h"

namespace outpost::amqp {

class ChannelLinks final : public CloudChannel {
 public:
  ChannelLinks(std::shared_ptr<CloudClient::Impl> client, iothub::Identity identity,
               std::optional<std::string> auth_chain, std::function<std::string()> token, Callbacks callbacks);
  ~ChannelLinks() override;

  // CloudChannel
  void start() override;
  bool connected() const override { return connected_; }
  const iothub::Identity& identity() const override { return identity_; }
  void publish(const std::string& topic, const std::string& payload, int qos, std::function<void(bool ok)> done) override;
  void subscribe(const std::string& filter) override;
  void unsubscribe(const std::string& filter) override;

  // From the connection (cloud_connection.cpp).
  void connection_up();
  void connection_down(const std::string& reason);
  void on_message(proton::delivery& d, const proton::message& m, const proton::receiver& r);
  void on_settled(const proton::tracker& t);
  void link_closed(const proton::link& link, const std::string& why);
  void session_closed(const proton::session& session, const std::string& why);
  // The client goes: drop every Proton handle and what was in flight, telling no one.
  void forget();

 private:
  enum class Want { twin, methods, c2d };
  void token_answered(int status, std::uint64_t attempt);
  void open_links();
  void open_pair(Want want);
  std::map<proton::symbol, proton::value> link_properties(const std::string& channel = {}) const;
  std::string address(const char* path) const;
  void enable_desired();
  void fail_pending();
  void release_links();
  void start_over_later();

  std::shared_ptr<CloudClient::Impl> client_;
  const iothub::Identity identity_;
  const std::optional<std::string> auth_chain_;
  std::function<std::string()> token_;
  Callbacks callbacks_;
  bool started_ = false;
  bool connected_ = false;
  std::uint64_t attempt_ = 0;  // which connection-up the token answer belongs to
  std::chrono::milliseconds retry_delay_{0};  // after the cloud closed one of its links
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // a timer's callback checks it
  std::set<std::string> subscriptions_;
  // On the current connection:
  proton::session session_;
  std::optional<proton::sender> events_;
  std::optional<proton::sender> twin_out_;
  std::optional<proton::receiver> twin_in_;
  std::optional<proton::sender> methods_out_;
  std::optional<proton::receiver> methods_in_;
  std::optional<proton::receiver> c2d_in_;
  bool desired_enabled_ = false;
  std::uint64_t next_tag_ = 1;
  std::map<std::uint64_t, std::function<void(bool)>> pending_;  // telemetry by delivery tag
  std::map<std::string, proton::message_id> method_calls_;      // rid -> the call's correlation-id
};

}  // namespace outpost::amqp

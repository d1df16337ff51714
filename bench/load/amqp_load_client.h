// An AMQP 1.0 client of IoT Hub's device-facing endpoint for load generation and crash tests,
// as an IoT Edge module speaks it: CBS put-token with a SAS token, then a sender link on
// /devices/{d}/modules/{m}/messages/events (outputs, `iothub-outputname`) or a receiver link on
// the same address (inputs). Many messages in flight; each counts as acknowledged when the
// server accepts it (the hub does so once it is durable).
//
// Proton's connection_driver on the caller's Asio io_context, plain TCP: one thread for the
// protocol and the load logic, no work queues or locks between them, and the same shape as
// MqttLoadClient.
#pragma once
#include <utility>  // g++ 12 needs it before Asio

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio.hpp>
#include <proton/io/connection_driver.hpp>
#include <proton/message.hpp>
#include <proton/messaging_handler.hpp>
#include <proton/receiver.hpp>
#include <proton/sender.hpp>

#include "load/message_client.h"

namespace outpost::load {

struct AmqpSettings {
  std::string host = "127.0.0.1";
  std::uint16_t port = 5672;
  std::string iothub_host;  // the CBS audience's host and the AMQP open's hostname
  std::string device_id, module_id;
  std::string sas_token;      // for "{iothub_host}/devices/{d}/modules/{m}"
  std::string output = "out1";  // iothub-outputname of what a publisher sends
  bool publisher = false;       // connect() also attaches the events sender link
  int credit = 100;             // a subscriber's credit window on the inputs link
};

class AmqpLoadClient final : public MessageClient,
                             public proton::messaging_handler,
                             public std::enable_shared_from_this<AmqpLoadClient> {
 public:
  AmqpLoadClient(boost::asio::io_context& io, AmqpSettings settings);
  ~AmqpLoadClient() override;

  void connect(ConnectHandler done) override;
  void subscribe(std::function<void(bool)> done) override;
  std::uint64_t send(std::string_view body) override;
  bool connected() const override { return ready_ && !closed_ && !closing_; }
  void close() override;

 private:
  std::string events_address() const;
  void start_amqp();
  void read();
  void feed(std::size_t n);
  void pump();
  void schedule_pump();
  void write();
  void arm_tick();
  void fail(const std::string& reason);
  void check_links();  // after a dispatch: links attached (and not refused at once)

  // proton::messaging_handler
  void on_message(proton::delivery& d, proton::message& m) override;
  void on_sender_open(proton::sender& s) override;
  void on_receiver_open(proton::receiver& r) override;
  void on_tracker_accept(proton::tracker& t) override;
  void on_tracker_reject(proton::tracker& t) override;
  void on_tracker_release(proton::tracker& t) override;
  void on_sender_error(proton::sender& s) override;
  void on_receiver_error(proton::receiver& r) override;
  void on_connection_error(proton::connection& c) override;
  void on_transport_error(proton::transport& t) override;
  void on_error(const proton::error_condition& e) override;

  boost::asio::io_context& io_;
  AmqpSettings settings_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer tick_;
  proton::io::connection_driver driver_;
  std::array<char, 64 * 1024> in_{};
  std::string out_;  // a copy of Proton's write buffer: it may move while the write is under way
  proton::sender cbs_sender_, events_sender_;
  proton::receiver cbs_receiver_, events_receiver_;
  proton::message outgoing_;  // reused: only its body changes
  ConnectHandler on_connected_;
  std::function<void(bool)> on_subscribed_;
  std::chrono::steady_clock::time_point close_by_;  // after our close, the server's answer or not
  bool sender_opened_ = false, receiver_opened_ = false;  // remote attach seen, to check after dispatch
  bool ready_ = false, writing_ = false, pumping_ = false, pump_again_ = false, pump_posted_ = false;
  bool closing_ = false, closed_ = false;
  std::uint64_t next_id_ = 1;
};

}  // namespace outpost::load

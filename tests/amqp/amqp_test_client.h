// A Proton C++ client for tests of the AMQP server: its container runs on a thread of its own
// and every call here blocks (bounded) until the server answered. Links are named by address.
#pragma once
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <proton/message.hpp>

namespace outpost::testing {

class AmqpTestClient {
 public:
  // `sasl`: SASL ANONYMOUS first (Proton's default); false: the bare AMQP header, as the Azure
  // SDKs send it.
  AmqpTestClient(const std::string& host, std::uint16_t port, bool sasl = true);
  // SASL PLAIN with this user and password (IoT Hub's "{d}[/modules/{m}]@sas.{hub}" + token).
  AmqpTestClient(const std::string& host, std::uint16_t port, const std::string& user, const std::string& password);
  ~AmqpTestClient();

  bool wait_open(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The status-code of the server's reply to a put-token (nullopt: no reply in time).
  std::optional<int> put_token(const std::string& audience, const std::string& token);
  // Any request to $cbs; the reply.
  std::optional<proton::message> cbs_request(proton::message request);
  // "" once attached, or the error condition the server detached it with. Waits for one CBS
  // round trip after the attach, so a refusal sent with it has arrived.
  // `properties`: the attach's link properties (e.g. com.microsoft:auth-chain).
  std::string attach_sender(const std::string& address, const std::map<std::string, std::string>& properties = {});
  std::string attach_receiver(const std::string& address, int credit = 100);
  // The outcome of one message: "accepted", "rejected", "released" or "" (none in time).
  std::string send(const std::string& address, const proton::message& message,
                   std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Sends without waiting for the outcome; outcome(n) tells the n-th (0-based) send's later.
  void send_async(const std::string& address, const proton::message& message);
  std::string outcome(std::size_t index) const;
  // The error condition ("name: description") the n-th send was rejected with.
  std::string rejection(std::size_t index) const;
  // The condition the server detached the link to `address` with, once it has ("": not in time).
  std::string link_error(const std::string& address, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The next message on a receiver link; accepted unless `accept` is false (left unsettled).
  std::optional<proton::message> receive(const std::string& address, bool accept = true,
                                         std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Settles (accepts) every message received and left unsettled.
  void accept_all();
  // Whether the server closed the connection (or it broke), and with what condition.
  bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  std::string close_condition() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace outpost::testing

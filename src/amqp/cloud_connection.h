// The one AMQP connection of a CloudClient: dialled with Asio (TLS as a client), decoded by
// Proton's connection_driver on the loop thread as the server side does (amqp_connection.h),
// redialled with backoff, CBS put-token requests and their replies, and the routing of link
// events to the channel that owns the link (cloud_channel.h).
#pragma once
#include <utility>  // g++ 12 needs it before Asio's awaitable

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <proton/connection.hpp>
#include <proton/delivery.hpp>
#include <proton/io/connection_driver.hpp>
#include <proton/message.hpp>
#include <proton/messaging_handler.hpp>
#include <proton/receiver.hpp>
#include <proton/sender.hpp>
#include <proton/session.hpp>
#include <proton/tracker.hpp>

#include "net_internal/stream_transport.h"
#include "outpost/amqp/cloud_client.h"

namespace outpost::amqp {

class ChannelLinks;

struct CloudClient::Impl final : proton::messaging_handler, std::enable_shared_from_this<CloudClient::Impl> {
  Impl(net::EventLoop& loop, CloudClientSettings settings);
  ~Impl() override;

  // Channels join and leave; the connection is dialled while at least one is there.
  void add(ChannelLinks& channel);
  void remove(ChannelLinks& channel);
  void shut_down();  // the client goes: the connection closes, nothing is redialled
  bool connected() const { return open_; }
  std::size_t channel_count() const { return channels_.size(); }
  const CloudClientSettings& settings() const { return settings_; }

  // CBS: `done(status)` with the reply's status-code (0: the connection went first).
  void put_token(const std::string& audience, const std::string& token, std::function<void(int)> done);
  // Links a channel opened: their events go to it.
  void own(const proton::sender& s, ChannelLinks& channel) { senders_[s] = &channel; }
  void own(const proton::receiver& r, ChannelLinks& channel) { receivers_[r] = &channel; }
  void schedule_pump();
  // `f` on the loop after `delay` (unless the loop stops first).
  void after(std::chrono::milliseconds delay, std::function<void()> f);
  proton::connection connection() { return driver_->connection(); }

 private:
  boost::asio::awaitable<void> run();
  boost::asio::awaitable<bool> dial();
  boost::asio::awaitable<void> write_loop();
  void feed(const char* data, std::size_t size);
  void pump();
  void arm_timer();
  void lost(const std::string& reason);
  void schedule_redial();

  void on_connection_open(proton::connection& c) override;
  void on_message(proton::delivery& d, proton::message& m) override;
  void on_tracker_settle(proton::tracker& t) override;
  void on_sender_close(proton::sender& s) override;
  void on_receiver_close(proton::receiver& r) override;
  void on_session_close(proton::session& s) override;
  void on_transport_error(proton::transport& t) override;
  void on_connection_close(proton::connection& c) override;
  void on_error(const proton::error_condition& e) override;

  net::EventLoop& loop_;
  CloudClientSettings settings_;
  std::set<ChannelLinks*> channels_;
  std::unique_ptr<net::StreamTransport> transport_;
  std::unique_ptr<proton::io::connection_driver> driver_;
  std::unique_ptr<boost::asio::steady_timer> timer_;  // Proton's tick, and the redial backoff
  std::chrono::milliseconds backoff_{0};
  std::uint64_t attempt_ = 0;  // a connection's number: what its coroutines belong to
  bool running_ = false;       // a connection (or a dial) is under way
  bool open_ = false;          // AMQP open exchanged
  bool pumping_ = false;
  bool pump_again_ = false;
  bool pump_posted_ = false;
  bool write_in_progress_ = false;
  std::string writing_;
  std::optional<proton::sender> cbs_sender_;
  std::uint64_t next_request_ = 1;
  std::map<std::string, std::function<void(int)>> cbs_waiting_;  // by request message-id
  std::map<proton::sender, ChannelLinks*> senders_;
  std::map<proton::receiver, ChannelLinks*> receivers_;
};

}  // namespace outpost::amqp

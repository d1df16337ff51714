// One AMQP connection: its byte stream (TLS, or WebSocket over TLS) read and written with
// Asio, Proton's connection_driver decoding it on the EventLoop's thread, CBS, and the
// identities the client proved on it (IdentityConnection), to which its links belong.
//
// Threading: everything runs on the EventLoop's thread. Proton is never re-entered: work that
// arrives while events are being dispatched (a handler publishing to this connection from
// inside on_publish) only marks the connection for another pump.
#pragma once
#include <utility>  // g++ 12 needs it before Asio's awaitable

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <proton/connection.hpp>
#include <proton/delivery.hpp>
#include <proton/io/connection_driver.hpp>
#include <proton/link.hpp>
#include <proton/message.hpp>
#include <proton/messaging_handler.hpp>
#include <proton/receiver.hpp>
#include <proton/sender.hpp>
#include <proton/tracker.hpp>

#include "link_address.h"
#include "net_internal/stream_transport.h"
#include "sasl_server.h"
#include "outpost/amqp/server.h"

namespace outpost::amqp {

class IdentityConnection;

// What every connection of a Server shares.
struct ServerContext {
  mqtt::Handler& handler;
  ServerOptions options;
  std::uint64_t next_connection_id;
  std::size_t unauthenticated = 0;  // connections without an identity yet
};

class AmqpConnection final : public proton::messaging_handler,
                             public SaslAuthority,
                             public std::enable_shared_from_this<AmqpConnection> {
 public:
  AmqpConnection(boost::asio::any_io_executor executor, std::shared_ptr<ServerContext> context,
                 std::unique_ptr<net::StreamTransport> transport);
  ~AmqpConnection() override;

  void start();
  // Closes the connection (an AMQP close with `condition`, then the socket).
  void close(const std::string& condition, const std::string& description);
  // Ends it now (the server stops): the handler hears of every identity before this returns.
  void shut_down() { finish(mqtt::CloseReason::server_closed); }
  bool closed() const { return closed_; }
  const std::string& remote_address() const { return transport_->remote_address(); }
  const char* transport_name() const;
  const net::ClientCertificate* client_certificate() const { return transport_->client_certificate(); }

  // For IdentityConnection: after changing Proton state from outside a dispatch.
  void schedule_pump();
  void pause_reading();
  void resume_reading();
  // An identity closed by the handler (taken over, refused): its links go; the connection
  // closes with it when it was the last one.
  void identity_closed(IdentityConnection& identity, const std::string& condition, const std::string& description);
  // The client ended an identity (its session): it is forgotten; the connection stays.
  void identity_left(IdentityConnection& identity);

  // Sends the oldest feedback batch on this connection's feedback link, if it has one and
  // none is out (amqp_connection_service.cpp).
  void offer_feedback();

  std::function<void()> on_finished;  // the server forgets it

 private:
  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> write_loop();
  void feed(const char* data, std::size_t size);
  // Messages over max_message_bytes: dropped as they arrive, then rejected (proton_handles.h).
  void drop_oversized_messages();
  void pump();
  void arm_timer();
  void finish(mqtt::CloseReason reason);

  // proton::messaging_handler
  void on_connection_open(proton::connection& c) override;
  void on_session_open(proton::session& s) override;
  void on_session_close(proton::session& s) override;
  void on_receiver_open(proton::receiver& r) override;
  void on_sender_open(proton::sender& s) override;
  void on_receiver_close(proton::receiver& r) override;
  void on_sender_close(proton::sender& s) override;
  void on_receiver_detach(proton::receiver& r) override { on_receiver_close(r); }
  void on_sender_detach(proton::sender& s) override { on_sender_close(s); }
  void on_message(proton::delivery& d, proton::message& m) override;
  void on_tracker_settle(proton::tracker& t) override;
  void on_tracker_release(proton::tracker& t) override;
  void on_connection_close(proton::connection& c) override;
  void on_transport_error(proton::transport& t) override;
  void on_transport_close(proton::transport& t) override;
  void on_error(const proton::error_condition& e) override;

  // SaslAuthority: a PLAIN login proves its identity as a put-token would.
  bool authenticate_plain(std::string_view user, std::string_view password) override;
  void handle_put_token(proton::delivery& d, const proton::message& m);
  // Proves `identity` with `token` (empty: the TLS client certificate): the status a CBS reply gives.
  int admit_identity(const std::string& host, const iothub::Identity& identity, const std::string& token,
                     const std::optional<std::string>& auth_chain = std::nullopt);
  void reply_cbs(const proton::message& reply, const std::string& reply_to);
  // The service endpoints (amqp_connection_service.cpp).
  int admit_service(const std::string& audience, const std::string& token);
  bool open_service_receiver(proton::receiver& r, const std::string& address);
  bool open_service_sender(proton::sender& s, const std::string& address);
  void on_service_message(proton::delivery& d, const proton::message& m);
  void on_feedback_settled(const proton::tracker& t, bool accepted);
  std::shared_ptr<IdentityConnection> identity_of(const iothub::Identity& identity) const;
  // The identity a link names: one proved on this connection, one an edge on it acts for
  // (the link's auth-chain), or (X.509) its certificate's.
  std::shared_ptr<IdentityConnection> identity_for_link(const iothub::Identity& identity, const proton::link& link);
  std::size_t link_count() const;
  std::size_t link_allowance() const;
  std::size_t session_allowance() const;

  boost::asio::any_io_executor executor_;
  std::shared_ptr<ServerContext> context_;
  std::unique_ptr<net::StreamTransport> transport_;
  proton::io::connection_driver driver_;
  boost::asio::steady_timer timer_;   // Proton's tick (idle timeouts) and the authentication deadline
  boost::asio::steady_timer wake_;    // wakes the reader when reading resumes
  std::chrono::steady_clock::time_point authenticate_by_;
  std::optional<std::chrono::steady_clock::time_point> close_by_;  // the peer's answer to our close
  std::string writing_;               // a copy of Proton's write buffer, being written
  bool write_in_progress_ = false;
  bool pumping_ = false;
  bool pump_again_ = false;
  bool pump_posted_ = false;
  bool closed_ = false;
  bool finished_ = false;
  bool counted_unauthenticated_ = true;
  int read_pauses_ = 0;
  std::size_t sessions_ = 0;  // open now (the client's)
  // The identities proved on this connection, by "d" or "d/m".
  std::map<std::string, std::shared_ptr<IdentityConnection>> identities_;
  // The tokens identities put (renewals replace them): an edge's $edgeHub token also admits
  // the identities it acts for.
  struct Credential {
    std::string host;
    std::string token;
  };
  std::map<std::string, Credential> credentials_;
  std::vector<proton::sender> cbs_senders_;  // replies to put-token go out on these
  // The client's sending links: $cbs, or an identity's with the kind its address named.
  struct ReceiverLink {
    std::weak_ptr<IdentityConnection> identity;  // none: $cbs
    LinkKind kind = LinkKind::events;
    bool cbs = false;
    bool dropping_oversized = false;
  };
  std::map<proton::receiver, ReceiverLink> receivers_;
  std::map<proton::sender, std::weak_ptr<IdentityConnection>> senders_;
  // The service side: proved by a policy's token; its C2D links and its feedback link.
  bool service_ = false;
  std::map<proton::receiver, bool> c2d_receivers_;  // -> dropping an oversized message
  std::optional<proton::sender> feedback_sender_;
  std::optional<std::uint64_t> feedback_out_;  // the batch sent and not yet settled
};

}  // namespace outpost::amqp

// One MQTT connection: reads frames, enforces the protocol, talks to the Handler, and
// batches everything it sends into as few writes as possible.
//
// Lifecycle: created by a listener on accept; run() does the transport handshake (within
// tls_handshake_timeout), waits for CONNECT (within connect_timeout of the accept), then reads
// until the peer leaves or close() is called. A DISCONNECT closes once what is queued is sent.
// An MQTT 5 connection the server closes gets a DISCONNECT with a reason code first: the
// socket closes once that is written (close_with, send_disconnect).
// Back-pressure: while paused, frames that arrive are held (bounded), PINGREQs answered.
// Owned by shared_ptr: the read coroutine, the write coroutine and the handler each hold one.
// Threading: everything runs on the EventLoop's single thread.
#pragma once
#include <utility>

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net_internal/stream_transport.h"
#include "outpost/mqtt_codec/codec.h"
#include "outpost/mqtt/server.h"

namespace outpost::mqtt {

namespace asio = boost::asio;
using boost::system::error_code;

class Session;

// Sessions with output queued in this loop turn. A session that has handled a read's worth of
// frames writes out everything queued meanwhile — its own PUBACKs and the publishes it caused
// on other sessions — before it reads again: a burst leaves in one write per receiver, and a
// lone message leaves at once, without waiting a loop turn. Output queued elsewhere (timers,
// the store's callbacks) is written by one posted pass.
class PendingWrites : public std::enable_shared_from_this<PendingWrites> {
 public:
  explicit PendingWrites(asio::any_io_executor executor) : executor_(std::move(executor)) {}
  void add(const std::shared_ptr<Session>& session);
  void write_all();

 private:
  asio::any_io_executor executor_;
  std::vector<std::weak_ptr<Session>> sessions_;
  bool posted_ = false;
};

struct SessionContext {
  Handler& handler;
  const ServerOptions& options;
  std::function<void(std::uint64_t id)> on_finished;       // the server forgets the session
  std::function<void(std::uint64_t id)> on_authenticated;  // CONNECT accepted: no longer a stranger
  std::shared_ptr<PendingWrites> pending_writes;           // shared by the server's sessions
};

class Session final : public Connection, public std::enable_shared_from_this<Session> {
 public:
  Session(asio::any_io_executor executor, std::unique_ptr<net::StreamTransport> transport,
          SessionContext context, std::uint64_t id);
  ~Session() override;

  void start();

  // Connection
  std::uint64_t id() const override { return id_; }
  const std::string& client_id() const override { return client_id_; }
  const std::string& remote_address() const override { return transport_->remote_address(); }
  const char* transport_name() const override { return transport_->name(); }
  const net::ClientCertificate* client_certificate() const override { return transport_->client_certificate(); }
  std::uint8_t protocol_level() const override { return protocol_level_; }
  std::optional<std::uint32_t> disconnect_session_expiry() const override { return disconnect_session_expiry_; }
  bool open() const override { return !closed_; }
  void publish(std::string_view topic, std::string_view payload, std::uint8_t qos,
               std::uint64_t tag, bool dup, bool retain, const Properties* properties) override;
  std::size_t outbound_in_flight() const override { return in_flight_.size(); }
  void complete_publish(PublishTicket ticket, std::uint8_t reason_code) override;
  void write_pending();  // PendingWrites' turn: write what request_flush() queued
  void pause_reading() override { paused_by_handler_ = true; }
  void resume_reading() override;
  void close(CloseReason reason, std::string_view detail) override;
  // close() with the reason code an MQTT 5 client's DISCONNECT carries (0: none is sent).
  void close_with(CloseReason reason, std::uint8_t disconnect_code, std::string_view detail);

 private:
  asio::awaitable<void> run(std::chrono::steady_clock::time_point accepted_at);
  void arm_connect_deadline(std::chrono::steady_clock::time_point due, const char* detail);
  bool reading_stopped() const;  // held frames at their cap: not even reading the socket
  void schedule_processing();    // after a resume: handle held frames soon
  asio::awaitable<void> write_loop();
  void process_input();    // handles (or, while paused, holds) every complete frame read
  void handle_frame(const Frame& frame);
  void dispatch(const Frame& frame, Packet& packet);
  void close_after_output(CloseReason reason, std::string_view detail);
  void handle_connect(ConnectPacket&& packet);
  void handle_publish(PublishPacket&& packet);
  void handle_puback(std::uint16_t packet_id);
  void handle_pubrec(std::uint16_t packet_id);   // a QoS 2 delivery received: PUBREL
  void handle_pubcomp(std::uint16_t packet_id);  // ... and completed
  void handle_pubrel(std::uint16_t packet_id);
  bool qos2_pending(std::uint16_t packet_id) const;  // received, PUBCOMP not yet sent
  void handle_subscribe(const SubscribePacket& packet);
  void handle_unsubscribe(const UnsubscribePacket& packet);
  void protocol_error(std::string_view detail, std::uint8_t code = disconnect_reason::protocol_error);
  // MQTT 5, a connection the server ends: DISCONNECT `code` is queued as the last packet and the
  // socket closes once it is written (or after kDisconnectGrace). False: nothing to send.
  bool send_disconnect(std::uint8_t code, std::string_view detail);
  void close_transport_after_write();
  // No write in the last kQuietBeforeDirectWrite: the socket will very likely take a write whole.
  bool is_quiet(std::chrono::steady_clock::time_point now) const;
  void flush();           // starts a write if output is waiting and none is in progress
  void request_flush();   // flush soon, from outside the read loop
  bool reading_paused() const;
  void wake_reader();
  void arm_keep_alive();
  std::uint16_t next_packet_id();
  std::string describe() const;
  // MQTT 5: a PUBLISH's Topic Alias resolved (or set); false when it is invalid (closed).
  bool resolve_topic_alias(PublishPacket& packet);
  // MQTT 5: deliveries held back by the client's Receive Maximum, sent as acknowledgements free room.
  void send_waiting();
  void encode_delivery(std::string_view topic, std::string_view payload, std::uint8_t qos, std::uint64_t tag,
                       bool dup, bool retain, const Properties* properties);

  asio::any_io_executor executor_;
  std::unique_ptr<net::StreamTransport> transport_;
  SessionContext context_;
  const std::uint64_t id_;
  std::string client_id_;
  std::uint8_t protocol_level_ = kMqtt311;  // the CONNECT's: packets are read and written at it
  FrameReader reader_;
  static constexpr std::size_t kMinReadChunk = 4 * 1024;
  std::size_t read_chunk_ = kMinReadChunk;  // what the next read asks for (session.cpp)

  bool connected_ = false;
  bool closed_ = false;
  bool refused_ = false;  // CONNECT refused or DISCONNECT received: finish writing, then close
  CloseReason closing_reason_ = CloseReason::server_closed;
  std::string closing_detail_;
  bool handler_knows_ = false;  // on_connect accepted: on_close is owed

  // Output: `out_` collects packets; `writing_` is the buffer being written.
  std::string out_;
  std::string writing_;
  bool write_in_progress_ = false;
  std::chrono::steady_clock::time_point last_write_{};
  bool flush_requested_ = false;

  // Inbound QoS 1: PUBACKs owed, oldest first. Ticket t is at index t - first_ticket_.
  struct OwedAck {
    std::uint16_t packet_id;
    bool done;
    bool qos2 = false;  // owes a PUBREC, then waits for PUBREL
    std::uint8_t reason = 0;  // MQTT 5: the handler's
  };
  std::deque<OwedAck> owed_acks_;
  PublishTicket first_ticket_ = 1;
  // Inbound QoS 2 PUBRECed, awaiting PUBREL: a PUBLISH sent again with one of these ids is a
  // duplicate and is not handed to the handler again (§4.3.3). At most 65535 ids.
  std::unordered_set<std::uint16_t> awaiting_pubrel_;

  // Outbound QoS 1 awaiting PUBACK: packet id -> handler tag.
  // Deliveries awaiting the client: QoS 1 until its PUBACK; QoS 2 until its PUBREC (then
  // `released`: our PUBREL is sent) and its PUBCOMP.
  struct InFlight {
    std::uint64_t tag = 0;
    std::uint8_t qos = 1;
    bool released = false;
  };
  std::unordered_map<std::uint16_t, InFlight> in_flight_;
  std::uint16_t last_packet_id_ = 0;

  // MQTT 5 (§3.3.2.3.4, §3.1.2.11.3): the topics the client's aliases stand for, and the most
  // QoS 1/2 deliveries it takes at once — beyond that they wait here, in order.
  static constexpr std::uint16_t kTopicAliasMaximum = 32;
  std::unordered_map<std::uint16_t, std::string> topic_aliases_;
  std::uint16_t client_receive_maximum_ = 65535;
  std::optional<std::uint32_t> client_maximum_packet_size_;  // what the client takes (§3.1.2.11.4)
  std::uint32_t connect_session_expiry_ = 0;
  std::optional<std::uint32_t> disconnect_session_expiry_;  // its DISCONNECT's, if it set one
  bool closing_after_write_ = false;  // closed, the DISCONNECT still being written
  struct Waiting {
    std::string topic;
    std::string payload;
    std::uint8_t qos;
    std::uint64_t tag;
    bool retain;
    std::unique_ptr<Properties> properties;  // MQTT 5 deliveries that carry some
  };
  std::deque<Waiting> waiting_;

  bool paused_by_handler_ = false;
  // Frames read while paused, oldest first; handled in order once reading resumes.
  struct HeldFrame {
    std::uint8_t first_byte;
    std::string body;
  };
  std::deque<HeldFrame> held_frames_;
  std::size_t held_bytes_ = 0;
  bool process_posted_ = false;
  asio::steady_timer wake_;  // the paused read loop waits on this; cancel() wakes it
  asio::steady_timer deadline_;  // CONNECT arrival, then keep-alive
  std::chrono::steady_clock::time_point last_received_;
  std::chrono::milliseconds keep_alive_limit_{0};
};

}  // namespace outpost::mqtt

// One MQTT connection attempt and its life, on a socket of our own: TLS to the hub, the house's
// MQTT codec, and one I/O thread that batches whatever was published meanwhile into a single
// write (one TLS record for many packets), so a window of QoS 1 messages costs a few syscalls
// instead of one per message. A Link is made for one connection and thrown away when it ends:
// the Connection alone decides what is resent (and so what "acknowledged" means).
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace outpost::client::detail {

// What a link reports, from its I/O thread: implementations must not block for long.
class LinkEvents {
 public:
  virtual ~LinkEvents() = default;
  virtual void link_lost(std::uint64_t generation, const std::string& cause) = 0;
  virtual void link_message(std::string topic, std::string payload) = 0;
  virtual void link_acked(std::uint64_t generation, std::uint64_t sequence, bool ok) = 0;
};

struct LinkSettings {
  std::string host;
  std::uint16_t port = 8883;
  std::string client_id;
  std::string username;
  std::string password;  // empty: none (X.509)
  std::chrono::seconds keep_alive{60};
  std::chrono::milliseconds connect_timeout{30000};
  std::string ca_file;           // trust for the hub's certificate; empty: the system's
  std::string certificate_file;  // X.509 client authentication, with its key
  std::string private_key_file;
};

class Link final {
 public:
  Link(LinkEvents& events, std::uint64_t generation, LinkSettings settings);
  ~Link();  // closes at once; never call it on the link's own thread
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  // TCP, TLS (the hub's certificate must name the host), CONNECT, CONNACK. Blocks; throws
  // ClientError: auth_refused (CONNACK 4, 5), timeout, transport.
  void connect();
  // SUBSCRIBE and its SUBACK (bounded by `limit`). Throws ClientError when the hub refuses a
  // filter; false when no answer came in time or the link broke.
  bool subscribe(const std::vector<std::pair<std::string, int>>& filters, std::chrono::milliseconds limit);
  // QoS 1; the PUBACK comes back as link_acked(generation, sequence). On a broken link the
  // message is dropped here: the Connection requeues what was in flight when it hears.
  void publish(const std::string& topic, const std::string& payload, std::uint64_t sequence);
  // QoS 0; false when the link is down.
  bool publish_now(const std::string& topic, const std::string& payload);
  // Back-pressure: holds back the PUBACKs of arriving QoS 1 messages — the hub then stops
  // delivering once its window of unacknowledged messages is full, and keeps the rest — or
  // sends the held ones and acknowledges at once again. Reading goes on: acknowledgements of
  // our own sends and twin answers still arrive. Any thread.
  void set_acks_held(bool held);
  // DISCONNECT, then close (bounded); no link_lost for it.
  void disconnect(std::chrono::milliseconds limit);

  std::uint64_t generation() const { return generation_; }
  bool lost() const { return lost_; }

  struct Io;

 private:
  LinkEvents& events_;
  const std::uint64_t generation_;
  std::atomic<bool> lost_{false};
  std::unique_ptr<Io> io_;
};

}  // namespace outpost::client::detail

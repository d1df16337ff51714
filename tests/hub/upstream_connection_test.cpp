// UpstreamConnection's own lifetime against a real socket (the cloud link's behaviour is in
// hub_behaviour_tests and the Node edge+cloud test).
#include "upstream_connection.h"

#include <vector>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>


namespace outpost::hub {
namespace {

// A listener that completes TCP handshakes and never answers: a cloud that hangs mid-connect.
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0)
      ADD_FAILURE() << "no listener";
    port_ = ntohs(address.sin_port);
  }
  ~SilentListener() {
    for (int fd : accepted_) ::close(fd);
    ::close(fd_);
  }
  std::uint16_t port() const { return port_; }
  // Waits (bounded) for the next client's TCP connection and keeps it open, unanswered.
  bool take_connection() {
    pollfd readable{fd_, POLLIN, 0};
    if (::poll(&readable, 1, 5000) != 1) return false;
    const int fd = ::accept(fd_, nullptr, nullptr);
    if (fd < 0) return false;
    accepted_.push_back(fd);
    return true;
  }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::vector<int> accepted_;
};

// A module that leaves while the cloud is down closes its link mid-connect: Paho refuses to
// drop its callbacks then, and that refusal once escaped the destructor and ended the hub.
TEST(UpstreamConnectionTest, DestroyedWhileItsConnectIsUnderWay) {
  net::EventLoop loop;
  SilentListener cloud;
  for (int i = 0; i < 5; ++i) {
    UpstreamEndpoint endpoint{"tcp://127.0.0.1:" + std::to_string(cloud.port()), "", "hub.local"};
    UpstreamLogin login{"leaf" + std::to_string(i), std::string("hub.local/leaf"), [] { return std::string("token"); }};
    auto connection = std::make_unique<UpstreamConnection>(loop, endpoint, login, "test", UpstreamConnection::Callbacks{});
    connection->start();
    ASSERT_TRUE(cloud.take_connection()) << "the client never dialled";
    EXPECT_FALSE(connection->connected());
    connection.reset();  // must not throw (std::terminate) or hang
  }
}

}  // namespace
}  // namespace outpost::hub

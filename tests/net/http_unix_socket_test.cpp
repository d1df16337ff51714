// HTTP on unix sockets: the transport of the daemon's workload and management APIs. The
// caller's credentials come from the kernel, and socket files are handled as a daemon must:
// stale ones replaced, live or foreign ones left alone, ours removed on stop.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "outpost/core/crypto.h"
#include "outpost/net/http_server.h"

namespace outpost::net {
namespace {

namespace fs = std::filesystem;

int connect_unix(const fs::path& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// One request with "Connection: close"; the whole response as text ("" when none came).
std::string request(const fs::path& socket, const std::string& target) {
  const int fd = connect_unix(socket);
  if (fd < 0) return "";
  const std::string out = "GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  if (::write(fd, out.data(), out.size()) != static_cast<ssize_t>(out.size())) {
    ::close(fd);
    return "";
  }
  timeval timeout{10, 0};  // a server that never answers fails the test instead of hanging it
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string in;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) in.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  return in;
}

// A socket file whose server is gone, as a daemon killed with SIGKILL leaves behind.
void leave_stale_socket(const fs::path& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0) << std::strerror(errno);
  ::close(fd);
  ASSERT_EQ(fs::status(path).type(), fs::file_type::socket);
}

class HttpUnixSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("outpost-uds-" + random_hex_id(4));
    fs::create_directories(dir_);
    server_ = std::make_unique<HttpServer>(loop_, [](HttpRequest&& req, HttpResponder responder) {
      const auto peer = req.peer.value_or(PeerCredentials{-1, 0, 0});
      responder.send(HttpResponse::text(200, "pid=" + std::to_string(peer.pid) + " uid=" + std::to_string(peer.uid) +
                                                 " remote=" + req.remote_address + " path=" + req.path));
    });
  }
  void TearDown() override {
    if (thread_.joinable()) {
      loop_.post([this] { server_->stop(); });
      loop_.stop();
      thread_.join();
    }
    server_.reset();
    fs::remove_all(dir_);
  }
  void run() {
    thread_ = std::thread([this] { loop_.run(); });
  }

  fs::path dir_;
  EventLoop loop_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

TEST_F(HttpUnixSocketTest, ServesRequestsAndTellsWhoIsCalling) {
  const auto socket = dir_ / "workload.sock";
  ASSERT_TRUE(server_->listen_unix(socket));
  run();
  const auto answer = request(socket, "/modules/a/sign");
  ASSERT_NE(answer.find("HTTP/1.1 200"), std::string::npos) << answer;
  const auto expected = "pid=" + std::to_string(::getpid()) + " uid=" + std::to_string(::getuid()) +
                        " remote=pid " + std::to_string(::getpid()) + " path=/modules/a/sign";
  EXPECT_NE(answer.find(expected), std::string::npos) << answer;
  const auto perms = fs::status(socket).permissions() & fs::perms::all;
  EXPECT_EQ(perms, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::group_write);
}

TEST_F(HttpUnixSocketTest, TheModeIsTheCallersChoice) {
  const auto socket = dir_ / "mgmt.sock";
  ASSERT_TRUE(server_->listen_unix(socket, fs::perms::owner_read | fs::perms::owner_write));
  EXPECT_EQ(fs::status(socket).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
}

TEST_F(HttpUnixSocketTest, AStaleSocketFileIsReplaced) {
  const auto socket = dir_ / "stale.sock";
  leave_stale_socket(socket);
  const auto listening = server_->listen_unix(socket);
  ASSERT_TRUE(listening) << listening.error();
  run();
  EXPECT_NE(request(socket, "/x").find("HTTP/1.1 200"), std::string::npos);
}

TEST_F(HttpUnixSocketTest, ASocketALiveProcessServesIsNotTakenOver) {
  const auto socket = dir_ / "live.sock";
  ASSERT_TRUE(server_->listen_unix(socket));
  run();
  EventLoop other_loop;
  HttpServer other(other_loop, [](HttpRequest&&, HttpResponder) {});
  const auto second = other.listen_unix(socket);
  ASSERT_FALSE(second) << "a second server took over a live socket";
  EXPECT_EQ(second.error_kind(), ErrorKind::unavailable);
  EXPECT_EQ(second.error(), socket.string() + " is served by another process");
  other.stop();  // must not remove the first server's socket
  EXPECT_NE(request(socket, "/still").find("HTTP/1.1 200"), std::string::npos);
}

TEST_F(HttpUnixSocketTest, AFileThatIsNotASocketIsLeftAlone) {
  const auto path = dir_ / "config.yaml";
  std::ofstream(path) << "precious: true\n";
  const auto refused = server_->listen_unix(path);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), path.string() + " exists and is not a socket");
  EXPECT_TRUE(fs::is_regular_file(path));
}

TEST_F(HttpUnixSocketTest, APathTooLongForSunPathIsRefusedByName) {
  const auto path = dir_ / (std::string(120, 'x') + ".sock");
  const auto refused = server_->listen_unix(path);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("at most 107 bytes"), std::string::npos) << refused.error();
}

TEST_F(HttpUnixSocketTest, StopRemovesTheSocketFile) {
  const auto socket = dir_ / "gone.sock";
  ASSERT_TRUE(server_->listen_unix(socket));
  ASSERT_TRUE(fs::exists(socket));
  server_->stop();
  EXPECT_FALSE(fs::exists(socket));
  EXPECT_EQ(connect_unix(socket), -1);
}

}  // namespace
}  // namespace outpost::net

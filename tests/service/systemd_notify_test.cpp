// sd_notify's datagram, as systemd receives it: to a path or to the abstract namespace, and
// nothing (false) without $NOTIFY_SOCKET.
#include "outpost/service/systemd_notify.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace outpost::service {
namespace {

// A datagram socket bound at `name` (a path, or "@name"); returns the fd.
int listen_at(const std::string& name) {
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof address.sun_path, "%s", name.c_str());
  if (name[0] == '@') address.sun_path[0] = '\0';
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address),
                   static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size())),
            0);
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  return fd;
}

std::string receive(int fd) {
  char buffer[256] = {};
  const auto n = ::recv(fd, buffer, sizeof buffer - 1, 0);
  return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
}

TEST(SystemdNotify, ReadyReachesThePathOrTheAbstractSocket) {
  const std::string path = "/tmp/outpost-notify-" + std::to_string(::getpid());
  const int fd = listen_at(path);
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  EXPECT_TRUE(systemd_notify("READY=1\nSTATUS=up"));
  EXPECT_EQ(receive(fd), "READY=1\nSTATUS=up");
  ::close(fd);
  ::unlink(path.c_str());

  const std::string abstract = "@outpost-notify-" + std::to_string(::getpid());
  const int afd = listen_at(abstract);
  ::setenv("NOTIFY_SOCKET", abstract.c_str(), 1);
  EXPECT_TRUE(systemd_notify("STOPPING=1"));
  EXPECT_EQ(receive(afd), "STOPPING=1");
  ::close(afd);
  ::unsetenv("NOTIFY_SOCKET");
}

TEST(SystemdNotify, WithoutNotifySocketNothingIsSent) {
  ::unsetenv("NOTIFY_SOCKET");
  EXPECT_FALSE(systemd_notify("READY=1"));
  ::setenv("NOTIFY_SOCKET", "relative/path", 1);
  EXPECT_FALSE(systemd_notify("READY=1")) << "only absolute paths and @abstract names";
  ::unsetenv("NOTIFY_SOCKET");
}

}  // namespace
}  // namespace outpost::service

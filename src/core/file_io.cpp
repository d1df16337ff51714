#include "outpost/core/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace outpost {
namespace {

Error io_error(const std::string& what, const std::string& path) {
  return make_error(ErrorKind::io, fmt::format("{} {}: {}", what, path, std::strerror(errno)));
}

}  // namespace

Result<std::string> read_whole_file(const std::string& path, std::size_t max_bytes) {
  // O_NONBLOCK: a FIFO named by mistake must not hang the caller in open().
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return io_error("cannot open", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(ErrorKind::invalid_input, fmt::format("{}: not a regular file", path));
  }
  std::string content;
  char buffer[8192];
  for (;;) {
    const auto n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      auto error = io_error("cannot read", path);
      ::close(fd);
      return error;
    }
    if (n == 0) break;
    content.append(buffer, static_cast<std::size_t>(n));
    if (content.size() > max_bytes) {
      ::close(fd);
      return make_error(ErrorKind::invalid_input, fmt::format("{}: larger than {} bytes", path, max_bytes));
    }
  }
  ::close(fd);
  return content;
}

Status write_file_atomically(const std::string& path, std::string_view content, unsigned mode) {
  const auto tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return io_error("cannot create", tmp);
  // open() applies the umask; the mode asked for is the mode the file gets.
  bool ok = ::fchmod(fd, mode) == 0;
  std::size_t written = 0;
  while (ok && written < content.size()) {
    const auto n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) ok = false;
    else written += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  if (!ok) {
    auto error = io_error("cannot write", tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return error;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    auto error = io_error("cannot rename to", path);
    ::unlink(tmp.c_str());
    return error;
  }
  return {};
}

}  // namespace outpost

#include "folder_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace outpost::store {

Result<FolderLock> FolderLock::acquire(const std::filesystem::path& folder) {
  const auto path = folder / "LOCK";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return make_error(ErrorKind::io, fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK)
      return make_error(ErrorKind::unavailable, fmt::format("store folder {} is already open (LOCK is held)", folder.string()));
    return make_error(ErrorKind::io, fmt::format("cannot lock {}: {}", path.string(), std::strerror(err)));
  }
  return FolderLock(fd);
}

FolderLock::~FolderLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace outpost::store

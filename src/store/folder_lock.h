// An exclusive flock() on <folder>/LOCK for as long as a store has the folder open: two
// processes appending to the same segments would interleave records. The kernel drops the
// lock when the process dies, so a kill -9 never leaves a stale lock behind.
#pragma once
#include <filesystem>

#include "outpost/core/result.h"

namespace outpost::store {

class FolderLock {
 public:
  static Result<FolderLock> acquire(const std::filesystem::path& folder);

  FolderLock(FolderLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FolderLock& operator=(FolderLock&&) = delete;
  ~FolderLock();

 private:
  explicit FolderLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace outpost::store

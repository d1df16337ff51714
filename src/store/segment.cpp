#include "segment.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include <fmt/format.h>

#include "segment_format.h"

namespace outpost::store {
namespace {

Error io_error(std::string_view what, const std::filesystem::path& path, int err) {
  // A full disk is not like other failures: the store stops taking messages but stays up.
  const auto kind = err == ENOSPC || err == EDQUOT ? ErrorKind::storage_full : ErrorKind::io;
  return make_error(kind, fmt::format("{} {}: {}", what, path.string(), std::strerror(err)));
}

}  // namespace

Result<SegmentPtr> Segment::create(const std::filesystem::path& folder, SegmentId id,
                                   Sequence base_seq, std::string_view preamble, bool sync_folder) {
  auto path = folder / segment_file_name(id);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("cannot create segment", path, errno);
  SegmentPtr segment(new Segment(fd, path, id, 0));
  SegmentHeader header;
  header.id = id;
  header.base_seq = base_seq;
  std::string head = encode_segment_header(header);
  head.append(preamble);
  if (auto written = segment->write_at(0, head); !written) {
    (void)segment->unlink();
    return written.failure();
  }
  segment->size_ = head.size();
  segment->written_.store(head.size(), std::memory_order_release);
  segment->folder_unsynced_.store(sync_folder, std::memory_order_release);
  return segment;
}

Result<SegmentPtr> Segment::open(const std::filesystem::path& path, SegmentId id) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open segment", path, errno);
  struct stat st{};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return io_error("cannot stat segment", path, err);
  }
  return SegmentPtr(new Segment(fd, path, id, static_cast<std::uint64_t>(st.st_size)));
}

Segment::~Segment() { ::close(fd_); }

bool Segment::lost(std::uint64_t end) const {
  return broken() && end > broken_at_;  // broken_at_ is set before broken_ (release)
}

Result<std::size_t> Segment::append(std::string_view bytes) {
  std::lock_guard lock(buffer_mutex_);
  if (broken_.load(std::memory_order_relaxed)) return error_;
  pending_.append(bytes, pool_);
  size_ += bytes.size();
  return pending_.size();
}

Status Segment::write_pending(bool seal) {
  std::lock_guard writing(write_mutex_);
  std::uint64_t at = 0;
  {
    std::lock_guard lock(buffer_mutex_);
    if (broken_.load(std::memory_order_relaxed)) return error_;
    writing_.swap(pending_);  // appends continue into the other buffer meanwhile
    at = written_.load(std::memory_order_relaxed);
  }
  if (!writing_.empty()) {
    parts_.clear();
    writing_.iovecs(parts_);
    if (auto written = write_at(at, parts_, writing_.size()); !written) {
      std::lock_guard lock(buffer_mutex_);
      // Appended behind the failed write: lost with it.
      lost_ = LostBytes{at, writing_.contents() + pending_.contents()};
      writing_.clear(pool_);
      pending_.clear(pool_);
      pool_.release();
      broken_at_ = at;
      error_ = written.failure();
      broken_.store(true, std::memory_order_release);
      return written;
    }
    written_.store(at + writing_.size(), std::memory_order_release);
  }
  std::lock_guard lock(buffer_mutex_);
  writing_.clear(pool_);
  if (seal && pending_.empty()) pool_.release();
  return {};
}

std::optional<LostBytes> Segment::take_lost() {
  std::lock_guard lock(buffer_mutex_);
  std::optional<LostBytes> out;
  out.swap(lost_);
  if (out) size_ = broken_at_;  // what the file holds after the cut
  return out;
}

Status Segment::write_at(std::uint64_t offset, std::string_view bytes) {
  std::vector<iovec> parts{{const_cast<char*>(bytes.data()), bytes.size()}};
  return write_at(offset, parts, bytes.size());
}

Status Segment::write_at(std::uint64_t offset, std::vector<iovec>& parts, std::size_t total) {
  std::size_t done = 0, first = 0;
  while (done < total) {
    const auto count = static_cast<int>(std::min<std::size_t>(parts.size() - first, IOV_MAX));
    const auto n = ::pwritev(fd_, parts.data() + first, count, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      // Cut a partial write back off; if even that fails the file keeps a torn tail, which
      // recovery cuts or skips.
      if (done > 0 && ::ftruncate(fd_, static_cast<off_t>(offset)) != 0)
        return io_error("write failed and cannot cut back", path_, err);
      return io_error("cannot write", path_, err);
    }
    done += static_cast<std::size_t>(n);
    // Step over what was written: whole parts, then into a partly written one.
    auto left = static_cast<std::size_t>(n);
    while (left > 0 && left >= parts[first].iov_len) left -= parts[first++].iov_len;
    if (left > 0) {
      parts[first].iov_base = static_cast<char*>(parts[first].iov_base) + left;
      parts[first].iov_len -= left;
    }
  }
  return {};
}

Result<std::size_t> Segment::read_some(std::uint64_t offset, char* buffer,
                                       std::size_t length) const {
  std::size_t done = 0;
  while (done < length) {
    const auto n = ::pread(fd_, buffer + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("cannot read", path_, errno);
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  return done;
}

Status Segment::read(std::uint64_t offset, std::size_t length, std::string& out) {
  if (offset + length > written()) {
    if (auto flushed = write_pending(); !flushed) return flushed;
  }
  out.resize(length);
  auto got = read_some(offset, out.data(), length);
  if (!got) return got.failure();
  if (*got != length)
    return make_error(ErrorKind::storage_corrupt, fmt::format("short read in {} at {}: {} of {} bytes", path_.string(),
                                  offset, *got, length));
  return {};
}

Status Segment::sync() {
  if (folder_unsynced_.load(std::memory_order_acquire)) {
    std::lock_guard lock(folder_mutex_);
    if (folder_unsynced_.load(std::memory_order_relaxed)) {
      if (auto synced = sync_directory(path_.parent_path()); !synced) return synced;
      folder_unsynced_.store(false, std::memory_order_release);
    }
  }
  if (::fdatasync(fd_) != 0) return io_error("fdatasync failed on", path_, errno);
  return {};
}

Status Segment::truncate(std::uint64_t size) {
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0)
    return io_error("cannot truncate", path_, errno);
  size_ = size;
  written_.store(size, std::memory_order_release);
  return {};
}

Status Segment::unlink() {
  if (::unlink(path_.c_str()) != 0 && errno != ENOENT)
    return io_error("cannot delete", path_, errno);
  return {};
}

Status sync_directory(const std::filesystem::path& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open folder", folder, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return io_error("fsync failed on folder", folder, err);
  return {};
}

}  // namespace outpost::store

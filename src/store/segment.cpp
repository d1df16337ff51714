#include "segment.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "segment_format.h"

namespace outpost::store {
namespace {

Error io_error(std::string_view what, const std::filesystem::path& path, int err) {
  return make_error(fmt::format("{} {}: {}", what, path.string(), std::strerror(err)));
}

}  // namespace

Result<SegmentPtr> Segment::create(const std::filesystem::path& folder, SegmentId id,
                                   Sequence base_seq) {
  auto path = folder / segment_file_name(id);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("cannot create segment", path, errno);
  SegmentPtr segment(new Segment(fd, path, id, 0));
  SegmentHeader header;
  header.id = id;
  header.base_seq = base_seq;
  if (auto written = segment->append(encode_segment_header(header)); !written) {
    (void)segment->unlink();
    return make_error(written.error());
  }
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

Status Segment::append(std::string_view bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const auto n = ::pwrite(fd_, bytes.data() + done, bytes.size() - done,
                            static_cast<off_t>(size_ + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      // Cut a partial record back off; if even that fails the caller must stop using us.
      if (done > 0 && ::ftruncate(fd_, static_cast<off_t>(size_)) != 0)
        return io_error("write failed and cannot cut back", path_, err);
      return io_error("cannot write", path_, err);
    }
    done += static_cast<std::size_t>(n);
  }
  size_ += bytes.size();
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

Status Segment::read(std::uint64_t offset, std::size_t length, std::string& out) const {
  out.resize(length);
  auto got = read_some(offset, out.data(), length);
  if (!got) return make_error(got.error());
  if (*got != length)
    return make_error(fmt::format("short read in {} at {}: {} of {} bytes", path_.string(),
                                  offset, *got, length));
  return {};
}

Status Segment::sync() {
  if (::fdatasync(fd_) != 0) return io_error("fdatasync failed on", path_, errno);
  return {};
}

Status Segment::truncate(std::uint64_t size) {
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0)
    return io_error("cannot truncate", path_, errno);
  size_ = size;
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

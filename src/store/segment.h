// One segment file: an fd, its path and its size. Appends go to the end; a failed or short
// write is cut back off, so a later record never lands behind a torn one.
//
// Threading: owned by the store under its mutex; the sync thread only calls sync(), through
// a shared_ptr, so a segment deleted by compaction stays valid until that fsync returns.
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "outpost/core/result.h"
#include "store_types.h"

namespace outpost::store {

class Segment {
 public:
  // Creates the file (it must not exist) and writes its header. The caller fsyncs the
  // directory before reporting anything in it durable.
  static Result<std::shared_ptr<Segment>> create(const std::filesystem::path& folder, SegmentId id,
                                                 Sequence base_seq);
  // Opens an existing file read-write; the header is checked by the reader, not here.
  static Result<std::shared_ptr<Segment>> open(const std::filesystem::path& path, SegmentId id);

  ~Segment();
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  SegmentId id() const { return id_; }
  const std::filesystem::path& path() const { return path_; }
  std::uint64_t size() const { return size_; }

  Status append(std::string_view bytes);
  // Reads exactly `length` bytes at `offset` into `out`.
  Status read(std::uint64_t offset, std::size_t length, std::string& out) const;
  // Reads up to `length` bytes (fewer at the end of the file).
  Result<std::size_t> read_some(std::uint64_t offset, char* buffer, std::size_t length) const;
  Status sync();  // fdatasync
  Status truncate(std::uint64_t size);
  Status unlink();  // removes the file; the fd stays usable until the last owner lets go

 private:
  Segment(int fd, std::filesystem::path path, SegmentId id, std::uint64_t size)
      : fd_(fd), path_(std::move(path)), id_(id), size_(size) {}

  int fd_;
  std::filesystem::path path_;
  SegmentId id_;
  std::uint64_t size_;
};

using SegmentPtr = std::shared_ptr<Segment>;

// fsync on the folder, so a newly created or renamed file survives a power cut.
Status sync_directory(const std::filesystem::path& folder);

}  // namespace outpost::store

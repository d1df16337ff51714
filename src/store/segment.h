// One segment file: an fd, its path, and the bytes appended to it but not yet written.
//
// Appends go to an in-memory buffer (no syscall on the appender's thread); write_pending()
// writes everything buffered with one pwritev, normally on the sync thread. A failed or
// short write is cut back off and *breaks* the segment: what was buffered is lost (the
// store learns what through take_lost()), and nothing is appended behind it any more.
//
// Threading: size(), append(), take_lost() and truncate() belong to the store, under its
// mutex. write_pending(), sync(), written(), broken() and lost() are safe from any thread;
// concurrent write_pending() calls are serialised, so the file never has a hole. The sync
// thread holds segments through shared_ptr, so a segment deleted by compaction stays valid
// until its last write or fsync returns.
#pragma once
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "outpost/core/result.h"
#include "store_types.h"
#include "write_buffer.h"

namespace outpost::store {

// Bytes that were appended but never reached the file, and the offset they began at.
struct LostBytes {
  std::uint64_t offset = 0;
  std::string bytes;  // whole frames, as appended
};

class Segment {
 public:
  // Creates the file (it must not exist) and writes its header followed by `preamble`, in
  // one write. `sync_folder`: the first sync() fsyncs the folder too, so the new file
  // survives a power cut before anything in it is reported durable.
  static Result<std::shared_ptr<Segment>> create(const std::filesystem::path& folder, SegmentId id,
                                                 Sequence base_seq, std::string_view preamble = {},
                                                 bool sync_folder = false);
  // Opens an existing file read-write; the header is checked by the reader, not here.
  static Result<std::shared_ptr<Segment>> open(const std::filesystem::path& path, SegmentId id);

  ~Segment();
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  SegmentId id() const { return id_; }
  const std::filesystem::path& path() const { return path_; }
  // Bytes the file holds once everything appended is written (store's mutex).
  std::uint64_t size() const { return size_; }
  // Bytes known to be in the file.
  std::uint64_t written() const { return written_.load(std::memory_order_acquire); }
  bool broken() const { return broken_.load(std::memory_order_acquire); }
  // True when the bytes before `end` can never reach the file (a write before them failed).
  bool lost(std::uint64_t end) const;

  // Buffers `bytes` at the end and returns how many bytes are now waiting; an error once
  // the segment is broken (the caller starts a new segment).
  Result<std::size_t> append(std::string_view bytes);
  // Writes everything buffered. Ok when every byte appended so far is in the file; an
  // error when some never will be (this write or an earlier one failed). `seal`: nothing
  // more will be appended, so the buffers are freed.
  Status write_pending(bool seal = false);
  // After a failed write, once: the bytes lost. The segment's size drops back to what the
  // file holds.
  std::optional<LostBytes> take_lost();

  // Reads exactly `length` bytes at `offset` into `out` (writing them out first if they
  // are still buffered).
  Status read(std::uint64_t offset, std::size_t length, std::string& out);
  // Reads up to `length` bytes of the file (fewer at its end).
  Result<std::size_t> read_some(std::uint64_t offset, char* buffer, std::size_t length) const;
  Status sync();  // fdatasync (and the folder, the first time, for a new file)
  Status truncate(std::uint64_t size);
  Status unlink();  // removes the file; the fd stays usable until the last owner lets go

 private:
  Segment(int fd, std::filesystem::path path, SegmentId id, std::uint64_t size)
      : fd_(fd), path_(std::move(path)), id_(id), size_(size), written_(size) {}

  Status write_at(std::uint64_t offset, std::string_view bytes);
  // Writes `parts` (`total` bytes, consumed as they are written) at `offset`; a partial
  // write is cut back off.
  Status write_at(std::uint64_t offset, std::vector<iovec>& parts, std::size_t total);

  int fd_;
  std::filesystem::path path_;
  SegmentId id_;
  std::uint64_t size_;
  std::atomic<std::uint64_t> written_;
  std::atomic<bool> broken_{false};
  std::atomic<bool> folder_unsynced_{false};

  std::mutex write_mutex_;    // one writer at a time; taken before buffer_mutex_
  WriteBuffer writing_;       // the writer's: swapped with pending_, written, emptied
  std::vector<iovec> parts_;  // the writer's
  std::mutex buffer_mutex_;   // guards the fields below (and writing_'s blocks going back)
  WriteBuffer pending_;       // appended, not yet handed to a writer
  BlockPool pool_;
  std::uint64_t broken_at_ = 0;
  Error error_;              // why it broke
  std::optional<LostBytes> lost_;
  std::mutex folder_mutex_;
};

using SegmentPtr = std::shared_ptr<Segment>;

// fsync on the folder, so a newly created or renamed file survives a power cut.
Status sync_directory(const std::filesystem::path& folder);

}  // namespace outpost::store

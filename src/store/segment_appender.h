// Appends framed records at the end of the active segment, first starting a new segment
// when the record would take the active one past `segment_bytes` or when a write to it
// failed. Every new segment begins with the preamble — the QUEUE_DEF of every queue — so
// any suffix of the log names all its queues.
//
// Records are buffered in the segment (Segment::append); the sync thread writes them. Two
// writes happen here, on the appender's thread: the old segment's buffer when rolling
// (its file is complete before the next file exists, so a kill -9 can only ever tear the
// last file), and a buffer that has grown past kMaxBufferedBytes (memory stays bounded when
// the disk cannot keep up; the appender then pays for the write, as before buffering).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "outpost/core/result.h"
#include "segment_set.h"

namespace outpost::store {

class SegmentAppender {
 public:
  static constexpr std::size_t kMaxBufferedBytes = 1 << 20;

  SegmentAppender(SegmentSet& segments, std::uint64_t segment_bytes, const std::string& preamble)
      : segments_(segments), segment_bytes_(segment_bytes), preamble_(preamble) {}

  bool would_roll(std::size_t frame_bytes) const;
  // What writing a frame adds to the folder, counting the new segment it may start.
  std::uint64_t bytes_needed(std::size_t frame_bytes) const;
  // Header and preamble: the fixed cost of a new segment.
  std::uint64_t new_segment_bytes() const;

  Result<RecordLocation> append(std::string_view frame, Sequence next_seq);
  // Starts a new active segment now (compaction uses it to seal the active one).
  Status roll(Sequence next_seq);

  std::uint64_t segment_bytes() const { return segment_bytes_; }

 private:
  SegmentSet& segments_;
  std::uint64_t segment_bytes_;
  const std::string& preamble_;
};

}  // namespace outpost::store

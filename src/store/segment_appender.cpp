#include "segment_appender.h"

#include "segment_format.h"

namespace outpost::store {

bool SegmentAppender::would_roll(std::size_t frame_bytes) const {
  if (segments_.empty()) return true;
  const auto& active = segments_.active();
  if (active->broken()) return true;  // never append behind a failed write
  const auto size = active->size();
  // A record larger than a segment still gets one (of its own), rather than never fitting.
  return size + frame_bytes > segment_bytes_ && size > kSegmentHeaderBytes + preamble_.size();
}

std::uint64_t SegmentAppender::new_segment_bytes() const {
  return kSegmentHeaderBytes + preamble_.size();
}

std::uint64_t SegmentAppender::bytes_needed(std::size_t frame_bytes) const {
  return frame_bytes + (would_roll(frame_bytes) ? new_segment_bytes() : 0);
}

Status SegmentAppender::roll(Sequence next_seq) {
  // A failure here breaks the old segment; the store learns what it lost from it
  // (Segment::take_lost), as for any failed write.
  if (!segments_.empty()) (void)segments_.active()->write_pending(/*seal=*/true);
  auto created = segments_.create_next(next_seq, preamble_);
  if (!created) return created.failure();
  return {};
}

Result<RecordLocation> SegmentAppender::append(std::string_view frame, Sequence next_seq) {
  for (int attempt = 0;; ++attempt) {
    if (would_roll(frame.size())) {
      if (auto rolled = roll(next_seq); !rolled) return rolled.failure();
    }
    const auto& segment = segments_.active();
    const auto offset = segment->size();
    if (offset + frame.size() > UINT32_MAX) return make_error("segment too large");
    auto buffered = segment->append(frame);
    // The sync thread's write failed since would_roll() looked: once more, in a new segment.
    if (!buffered && attempt == 0) continue;
    if (!buffered) return buffered.failure();
    if (*buffered > kMaxBufferedBytes) (void)segment->write_pending();
    return RecordLocation{segment->id(), static_cast<std::uint32_t>(offset),
                          static_cast<std::uint32_t>(frame.size())};
  }
}

}  // namespace outpost::store

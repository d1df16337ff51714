#include "segment_appender.h"

#include "segment_format.h"

namespace outpost::store {

bool SegmentAppender::would_roll(std::size_t frame_bytes) const {
  if (segments_.empty() || must_roll_) return true;
  const auto size = segments_.active()->size();
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
  auto created = segments_.create_next(next_seq);
  if (!created) return make_error(created.error());
  must_roll_ = false;
  if (!preamble_.empty()) {
    if (auto written = (*created)->append(preamble_); !written) {
      must_roll_ = true;
      return written;
    }
  }
  return {};
}

Result<RecordLocation> SegmentAppender::append(std::string_view frame, Sequence next_seq) {
  if (would_roll(frame.size())) {
    if (auto rolled = roll(next_seq); !rolled) return make_error(rolled.error());
  }
  const auto& segment = segments_.active();
  const auto offset = segment->size();
  if (offset + frame.size() > UINT32_MAX) return make_error("segment too large");
  if (auto written = segment->append(frame); !written) {
    must_roll_ = true;
    return make_error(written.error());
  }
  return RecordLocation{segment->id(), static_cast<std::uint32_t>(offset),
                        static_cast<std::uint32_t>(frame.size())};
}

}  // namespace outpost::store

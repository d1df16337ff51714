// The messages appended but not yet written to their segment, oldest first. read() cannot
// get them from the file yet, so the message cache keeps them whatever its capacity until
// they are written (MessageCache::pin_from). Only the active segment has unwritten bytes —
// rolling writes the old one out first — so this is one segment's records in file order.
#pragma once
#include <cstdint>
#include <deque>

#include "segment.h"

namespace outpost::store {

class UnwrittenRecords {
 public:
  // The record of `seq` ends at byte `end` of `segment`.
  void add(const SegmentPtr& segment, Sequence seq, std::uint64_t end) {
    if (segment != segment_) {  // the previous segment was written out when it was sealed
      records_.clear();
      segment_ = segment;
    }
    records_.push_back({seq, end});
  }

  // The oldest sequence still unwritten, or `next_seq` when every record is written.
  // Records a failed write lost stay "unwritten" (cached) until the store drops them.
  Sequence first_unwritten(Sequence next_seq) {
    const auto written = segment_ ? segment_->written() : 0;
    while (!records_.empty() && records_.front().end <= written) records_.pop_front();
    return records_.empty() ? next_seq : records_.front().seq;
  }

 private:
  struct Record {
    Sequence seq;
    std::uint64_t end;
  };
  SegmentPtr segment_;
  std::deque<Record> records_;
};

}  // namespace outpost::store

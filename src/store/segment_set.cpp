#include "segment_set.h"

namespace outpost::store {

void SegmentSet::adopt(SegmentPtr segment) {
  if (!segments_.empty()) sealed_bytes_ += active()->size();
  const auto id = segment->id();
  segments_[id] = Entry{std::move(segment), {}};
}

Result<SegmentPtr> SegmentSet::create_next(Sequence base_seq, std::string_view preamble) {
  const SegmentId id = segments_.empty() ? SegmentId{1} : next(segments_.rbegin()->first);
  auto created = Segment::create(folder_, id, base_seq, preamble, sync_directory_);
  if (!created) return created;
  if (!segments_.empty()) sealed_bytes_ += active()->size();  // sealed: written out, final
  segments_[id] = Entry{*created, {}};
  return created;
}

Status SegmentSet::remove(SegmentId id) {
  const auto it = segments_.find(id);
  if (it == segments_.end()) return {};
  if (std::next(it) == segments_.end()) return make_error("the active segment cannot be removed");
  if (auto removed = it->second.file->unlink(); !removed) return removed;
  sealed_bytes_ -= it->second.file->size();
  segments_.erase(it);  // the fd closes when the last owner (maybe the sync thread) lets go
  return {};
}

std::optional<SegmentId> SegmentSet::oldest_sealed() const {
  if (segments_.size() < 2) return std::nullopt;
  return segments_.begin()->first;
}

SegmentUsage* SegmentSet::usage(SegmentId id) {
  const auto it = segments_.find(id);
  return it == segments_.end() ? nullptr : &it->second.usage;
}

SegmentPtr SegmentSet::find(SegmentId id) const {
  const auto it = segments_.find(id);
  return it == segments_.end() ? nullptr : it->second.file;
}

std::optional<LostBytes> SegmentSet::take_lost(const SegmentPtr& segment) {
  const auto before = segment->size();
  auto lost = segment->take_lost();
  if (lost && !segments_.empty() && segment != active()) sealed_bytes_ -= before - segment->size();
  return lost;
}

}  // namespace outpost::store

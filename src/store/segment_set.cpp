#include "segment_set.h"

namespace outpost::store {

void SegmentSet::adopt(SegmentPtr segment) {
  const auto id = segment->id();
  segments_[id] = Entry{std::move(segment), {}};
}

Result<SegmentPtr> SegmentSet::create_next(Sequence base_seq) {
  const SegmentId id = segments_.empty() ? SegmentId{1} : next(segments_.rbegin()->first);
  auto created = Segment::create(folder_, id, base_seq);
  if (!created) return created;
  if (sync_directory_) {
    if (auto synced = sync_directory(folder_); !synced) {
      (void)(*created)->unlink();
      return make_error(synced.error());
    }
  }
  segments_[id] = Entry{*created, {}};
  return created;
}

Status SegmentSet::remove(SegmentId id) {
  const auto it = segments_.find(id);
  if (it == segments_.end()) return {};
  if (std::next(it) == segments_.end()) return make_error("the active segment cannot be removed");
  if (auto removed = it->second.file->unlink(); !removed) return removed;
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

std::uint64_t SegmentSet::total_bytes() const {
  std::uint64_t total = 0;
  for (const auto& [id, entry] : segments_) total += entry.file->size();
  return total;
}

}  // namespace outpost::store

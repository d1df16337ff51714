// The store's segments, oldest first, with what each still holds alive. The newest is the
// active one (appends go there); the others are sealed. Only the oldest sealed segment is
// ever deleted (see README.md, "Deleting segments"), so this is a queue of files.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string_view>

#include "outpost/core/result.h"
#include "segment.h"

namespace outpost::store {

struct SegmentUsage {
  std::uint64_t live_bytes = 0;     // frames of MESSAGE records some queue still holds
  std::uint32_t live_messages = 0;
};

class SegmentSet {
 public:
  SegmentSet(std::filesystem::path folder, bool sync_directory)
      : folder_(std::move(folder)), sync_directory_(sync_directory) {}

  void adopt(SegmentPtr segment);  // recovery, in id order
  // Creates the segment after the newest, beginning with `preamble`, and makes it the
  // active one. Its first sync() also fsyncs the folder, so the new file survives a power
  // cut before anything in it is reported durable (Segment::create).
  Result<SegmentPtr> create_next(Sequence base_seq, std::string_view preamble);
  Status remove(SegmentId id);  // deletes the file; never the active segment
  // Segment::take_lost(), keeping total_bytes() right.
  std::optional<LostBytes> take_lost(const SegmentPtr& segment);

  bool empty() const { return segments_.empty(); }
  const SegmentPtr& active() const { return segments_.rbegin()->second.file; }
  std::optional<SegmentId> oldest_sealed() const;
  SegmentUsage* usage(SegmentId id);
  SegmentPtr find(SegmentId id) const;
  // O(1): the store asks on every append.
  std::uint64_t total_bytes() const { return segments_.empty() ? 0 : sealed_bytes_ + active()->size(); }
  std::size_t count() const { return segments_.size(); }
  const std::filesystem::path& folder() const { return folder_; }

  // f(const SegmentPtr&, const SegmentUsage&) for each segment, oldest first.
  template <typename F>
  void for_each(F&& f) const {
    for (const auto& [id, entry] : segments_) f(entry.file, entry.usage);
  }

 private:
  struct Entry {
    SegmentPtr file;
    SegmentUsage usage;
  };
  std::filesystem::path folder_;
  bool sync_directory_;
  std::map<SegmentId, Entry> segments_;
  std::uint64_t sealed_bytes_ = 0;  // all but the active one: their sizes no longer grow
};

}  // namespace outpost::store

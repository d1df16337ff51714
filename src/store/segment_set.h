// The store's segments, oldest first, with what each still holds alive. The newest is the
// active one (appends go there); the others are sealed. Only the oldest sealed segment is
// ever deleted (see README.md, "Deleting segments"), so this is a queue of files.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>

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
  // Creates the segment after the newest (header only) and makes it the active one; the
  // folder is fsynced first so the new file survives a power cut.
  Result<SegmentPtr> create_next(Sequence base_seq);
  Status remove(SegmentId id);  // deletes the file; never the active segment

  bool empty() const { return segments_.empty(); }
  const SegmentPtr& active() const { return segments_.rbegin()->second.file; }
  std::optional<SegmentId> oldest_sealed() const;
  SegmentUsage* usage(SegmentId id);
  SegmentPtr find(SegmentId id) const;
  std::uint64_t total_bytes() const;
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
};

}  // namespace outpost::store

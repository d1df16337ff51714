// Small vocabulary types shared inside the store.
#pragma once
#include <cstdint>

#include "outpost/store/message_store.h"

namespace outpost::store {

// A segment file's number (its name: 00000000000000000007.seg). Strong type: segment ids,
// sequences and offsets are all integers, and mixing them up is the bug to rule out.
enum class SegmentId : std::uint32_t {};

inline constexpr std::uint32_t to_int(SegmentId id) { return static_cast<std::uint32_t>(id); }
inline constexpr SegmentId next(SegmentId id) { return SegmentId{to_int(id) + 1}; }

// Where one framed record lives: segment, byte offset of its frame, frame size.
struct RecordLocation {
  SegmentId segment{};
  std::uint32_t offset = 0;
  std::uint32_t frame_bytes = 0;
};

enum class AckReason : std::uint8_t { delivered = 1, expired = 2 };

struct AckEntry {
  QueueId queue = 0;
  Sequence seq = 0;
};

}  // namespace outpost::store

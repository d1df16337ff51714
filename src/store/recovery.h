// Opening a store: replays every segment in id order and rebuilds what the queues hold.
//
// Replay is log order, which is the order things happened (one active segment at a time):
//   MESSAGE   new sequence: its targets become queue entries. A sequence seen before is a
//             compaction copy: it moves the message there and keeps only targets present
//             in both (the copy lists what was live when it was written).
//   ACK       removes (queue, seq) entries; unknown ones are ignored (their message was in
//             a deleted segment).
//   QUEUE_DEF names a queue (every segment starts with all of them, so deleting old
//             segments never loses a name).
//
// Damage: a bad record in the LAST segment is the torn tail of an interrupted write — it
// and everything after it are cut off (nothing there was reported durable). A bad record
// in an older segment is corruption: logged, counted, and the rest of that segment
// skipped. A file whose header is unreadable is renamed *.corrupt and skipped; a header
// from a newer format version stops the open with an error instead of guessing.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "outpost/core/result.h"
#include "segment.h"
#include "store_types.h"

namespace outpost::store {

struct RecoveredMessage {
  RecordLocation where;
  std::vector<QueueTarget> targets;  // those not yet acknowledged
};

struct RecoveryReport {
  std::uint64_t corrupt_segments = 0;  // damaged older segments, and set-aside files
  std::uint64_t truncated_bytes = 0;   // torn tail cut off the last segment
};

struct RecoveredLog {
  std::vector<SegmentPtr> segments;  // in id order
  bool last_segment_clean = false;   // the last one ends on a record boundary: append to it
  std::map<QueueId, std::string> queues;
  std::unordered_map<Sequence, RecoveredMessage> messages;
  Sequence next_seq = 1;
  RecoveryReport report;
};

// `sync`: fsync what recovery repairs (false under FsyncPolicy::never).
Result<RecoveredLog> recover_log(const std::filesystem::path& folder, bool sync);

}  // namespace outpost::store

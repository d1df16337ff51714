// Payloads of the three record types (format v1; see segment_format.h for the framing).
//
//   MESSAGE   u64 seq | i64 enqueued_at_ms | u32 n | n x (u32 queue, i64 expires_at_ms)
//             | u32 body_len, body | system props | application props
//             props: u32 count | count x (u32 name_len, name | u8 has_value | [u32 len, value])
//   ACK       u8 reason (1 delivered, 2 expired) | u32 n | n x (u32 queue, u64 seq)
//   QUEUE_DEF u32 queue | u32 name_len, name
//
// The queue targets come before the message so that recovery can index a record without
// materialising its body; properties keep their order, and a null value (has_value = 0)
// stays distinct from an empty string.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "outpost/core/message.h"
#include "outpost/core/result.h"
#include "store_types.h"

namespace outpost::store {

struct MessageRecord {
  Sequence seq = 0;
  std::int64_t enqueued_at_ms = 0;
  std::vector<QueueTarget> targets;
  Message message;  // left empty by decode_message_head()
};

struct AckRecord {
  AckReason reason = AckReason::delivered;
  std::vector<AckEntry> entries;
};

struct QueueDefRecord {
  QueueId queue = 0;
  std::string name;
};

// Sealed frames, ready to write.
std::string encode_message_frame(Sequence seq, std::int64_t enqueued_at_ms,
                                 std::span<const QueueTarget> targets, const Message& message);
std::string encode_ack_frame(AckReason reason, std::span<const AckEntry> entries);
std::string encode_queue_def_frame(QueueId queue, std::string_view name);

// The store's append path: the body is encoded before the store lock is taken, into a
// buffer the thread reuses, with sequence 0 and no checksum; under the lock
// set_message_frame_seq() fills in the sequence and seals the frame (its one CRC pass).
void encode_message_frame_unsealed(std::string& frame, std::int64_t enqueued_at_ms,
                                   std::span<const QueueTarget> targets, const Message& message);
void set_message_frame_seq(std::string& frame, Sequence seq);

// Decoders take the payload (without the record header) and check every length against
// what is left, so a damaged payload is an error, never an over-read or a huge allocation.
Result<MessageRecord> decode_message(std::string_view payload);
// Sequence, enqueue time and targets; the rest of the payload is still validated.
Result<MessageRecord> decode_message_head(std::string_view payload);
Result<AckRecord> decode_ack(std::string_view payload);
Result<QueueDefRecord> decode_queue_def(std::string_view payload);

}  // namespace outpost::store

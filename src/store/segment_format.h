// The on-disk format, version 1 (full description and reasoning: src/store/README.md).
//
//   folder/00000000000000000001.seg   segments, named by a 20-digit segment id (not by a
//   folder/00000000000000000002.seg   sequence: compaction copies old sequences forward)
//   folder/LOCK                       flock()ed while a process has the store open
//
//   segment = header (32 bytes) + records
//     header: magic "OPSTSEG\n" | u16 version=1 | u16 header_bytes=32 | u32 segment id
//             | u64 base_seq (next sequence when the segment was created) | u32 reserved
//             | u32 crc32c(bytes 0..27)
//     record: u32 payload_bytes | u32 crc32c(payload_bytes, type, payload) | u8 type | payload
//
// All integers little-endian. A reader refuses a version it does not know; a format change
// bumps the version and adds one reader per old version (as mosquitto's persist_read_v*).
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "outpost/core/result.h"
#include "store_types.h"

namespace outpost::store {

inline constexpr std::string_view kSegmentMagic{"OPSTSEG\n", 8};
inline constexpr std::uint16_t kFormatVersion = 1;
inline constexpr std::size_t kSegmentHeaderBytes = 32;
inline constexpr std::size_t kRecordHeaderBytes = 9;
// Sanity bound for a length field read back from disk (messages are at most 256 KiB plus
// properties); anything larger is corruption, never an allocation.
inline constexpr std::uint32_t kMaxRecordPayload = 64u << 20;

enum class RecordType : std::uint8_t {
  message = 1,    // a message stored once, with the queues it was routed to
  ack = 2,        // queue entries removed: delivered or expired
  queue_def = 3,  // queue id <-> name
};

struct SegmentHeader {
  std::uint16_t version = kFormatVersion;
  SegmentId id{};
  Sequence base_seq = 0;
};

enum class HeaderCheck { ok, too_short, bad_magic, bad_checksum, unsupported_version };

std::string encode_segment_header(const SegmentHeader& header);
HeaderCheck decode_segment_header(std::string_view bytes, SegmentHeader& header);
std::string_view describe(HeaderCheck check);

// Frames are built in place: begin_frame() reserves the record header, the caller appends
// the payload, seal_frame() fills in length and checksum.
std::string begin_frame(RecordType type, std::size_t payload_hint = 0);
// The same into `frame`, reusing its capacity.
void begin_frame(std::string& frame, RecordType type, std::size_t payload_hint = 0);
void seal_frame(std::string& frame);
std::uint32_t frame_checksum(std::uint32_t payload_bytes, std::uint8_t type,
                             std::string_view payload);

// Calls f(RecordType, payload) for each frame in `bytes`, which this process framed itself
// (a buffer that failed to reach the file); stops at anything that is not a whole frame.
template <typename F>
void for_each_frame(std::string_view bytes, F&& f) {
  while (bytes.size() >= kRecordHeaderBytes) {
    std::uint32_t length = 0;
    for (int i = 0; i < 4; ++i) length |= std::uint32_t{static_cast<unsigned char>(bytes[i])} << (8 * i);
    if (length > bytes.size() - kRecordHeaderBytes) return;
    f(static_cast<RecordType>(bytes[kRecordHeaderBytes - 1]), bytes.substr(kRecordHeaderBytes, length));
    bytes.remove_prefix(kRecordHeaderBytes + length);
  }
}

// Checks one frame read back by its location (length, type, CRC) and returns its payload.
Result<std::string_view> open_frame(std::string_view frame, RecordType expected);

std::string segment_file_name(SegmentId id);
std::optional<SegmentId> parse_segment_file_name(std::string_view name);

}  // namespace outpost::store

#include "segment_format.h"

#include <limits>

#include <fmt/format.h>

#include "byte_io.h"
#include "crc32c.h"

namespace outpost::store {

std::string encode_segment_header(const SegmentHeader& header) {
  std::string out;
  out.reserve(kSegmentHeaderBytes);
  ByteWriter w(out);
  w.bytes(kSegmentMagic);
  w.u16(header.version);
  w.u16(static_cast<std::uint16_t>(kSegmentHeaderBytes));
  w.u32(to_int(header.id));
  w.u64(header.base_seq);
  w.u32(0);  // reserved
  w.u32(crc32c(out));
  return out;
}

HeaderCheck decode_segment_header(std::string_view bytes, SegmentHeader& header) {
  if (bytes.size() < kSegmentHeaderBytes) return HeaderCheck::too_short;
  ByteReader r(bytes.substr(0, kSegmentHeaderBytes));
  if (r.bytes(kSegmentMagic.size()) != kSegmentMagic) return HeaderCheck::bad_magic;
  header.version = r.u16();
  const auto header_bytes = r.u16();
  header.id = SegmentId{r.u32()};
  header.base_seq = r.u64();
  r.u32();  // reserved
  const auto stored_crc = r.u32();
  if (stored_crc != crc32c(bytes.substr(0, kSegmentHeaderBytes - 4))) return HeaderCheck::bad_checksum;
  // Checked after the checksum, so a flipped bit reads as corruption, not as a newer format.
  if (header.version != kFormatVersion || header_bytes != kSegmentHeaderBytes)
    return HeaderCheck::unsupported_version;
  return HeaderCheck::ok;
}

std::string_view describe(HeaderCheck check) {
  switch (check) {
    case HeaderCheck::ok: return "ok";
    case HeaderCheck::too_short: return "shorter than a segment header";
    case HeaderCheck::bad_magic: return "not a segment file (bad magic)";
    case HeaderCheck::bad_checksum: return "segment header checksum mismatch";
    case HeaderCheck::unsupported_version: return "unsupported segment format version";
  }
  return "unknown";
}

std::string begin_frame(RecordType type, std::size_t payload_hint) {
  std::string frame;
  begin_frame(frame, type, payload_hint);
  return frame;
}

void begin_frame(std::string& frame, RecordType type, std::size_t payload_hint) {
  frame.clear();
  frame.reserve(kRecordHeaderBytes + payload_hint);
  frame.resize(kRecordHeaderBytes - 1, '\0');
  frame.push_back(static_cast<char>(type));
}

std::uint32_t frame_checksum(std::uint32_t payload_bytes, std::uint8_t type,
                             std::string_view payload) {
  unsigned char prefix[5];
  for (int i = 0; i < 4; ++i) prefix[i] = static_cast<unsigned char>((payload_bytes >> (8 * i)) & 0xff);
  prefix[4] = type;
  const auto crc = crc32c_extend(0, prefix, sizeof prefix);
  return crc32c_extend(crc, payload.data(), payload.size());
}

void seal_frame(std::string& frame) {
  const auto payload_bytes = static_cast<std::uint32_t>(frame.size() - kRecordHeaderBytes);
  const auto type = static_cast<std::uint8_t>(frame[kRecordHeaderBytes - 1]);
  const std::string_view payload(frame.data() + kRecordHeaderBytes, payload_bytes);
  ByteWriter::patch(frame, 0, payload_bytes, 4);
  ByteWriter::patch(frame, 4, frame_checksum(payload_bytes, type, payload), 4);
}

Result<std::string_view> open_frame(std::string_view frame, RecordType expected) {
  // Every failure here is damage: what was written whole and checksummed reads back different.
  const auto damaged = [](const char* what) { return make_error(ErrorKind::storage_corrupt, what); };
  if (frame.size() < kRecordHeaderBytes) return damaged("record shorter than its header");
  ByteReader head(frame.substr(0, kRecordHeaderBytes));
  const auto payload_bytes = head.u32();
  const auto stored_crc = head.u32();
  const auto type = head.u8();
  if (payload_bytes != frame.size() - kRecordHeaderBytes) return damaged("record length mismatch");
  if (type != static_cast<std::uint8_t>(expected)) return damaged("unexpected record type");
  const auto payload = frame.substr(kRecordHeaderBytes);
  if (frame_checksum(payload_bytes, type, payload) != stored_crc)
    return damaged("record checksum mismatch");
  return payload;
}

std::string segment_file_name(SegmentId id) { return fmt::format("{:020}.seg", to_int(id)); }

std::optional<SegmentId> parse_segment_file_name(std::string_view name) {
  constexpr std::size_t kDigits = 20;
  if (name.size() != kDigits + 4 || name.substr(kDigits) != ".seg") return std::nullopt;
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < kDigits; ++i) {
    const char c = name[i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
    if (value > std::numeric_limits<std::uint32_t>::max()) return std::nullopt;
  }
  if (value == 0) return std::nullopt;  // ids start at 1
  return SegmentId{static_cast<std::uint32_t>(value)};
}

}  // namespace outpost::store

#include "segment_reader.h"

#include <algorithm>

#include "byte_io.h"

namespace outpost::store {

std::string_view describe(ReadStop stop) {
  switch (stop) {
    case ReadStop::none: return "reading";
    case ReadStop::end: return "end of segment";
    case ReadStop::torn: return "record cut short by the end of the file";
    case ReadStop::bad_length: return "record with an impossible length or type";
    case ReadStop::bad_checksum: return "record checksum mismatch";
    case ReadStop::io_error: return "read error";
  }
  return "unknown";
}

SegmentReader::SegmentReader(const Segment& segment, std::size_t chunk_bytes)
    : segment_(segment), chunk_bytes_(std::max<std::size_t>(chunk_bytes, 4096)) {}

bool SegmentReader::ensure(std::size_t bytes) {
  const std::uint64_t have_end = buffer_offset_ + buffer_.size();
  if (offset_ >= buffer_offset_ && offset_ + bytes <= have_end) return true;
  // Keep the unread tail, read on from where the buffer ends.
  std::string fresh;
  if (offset_ >= buffer_offset_ && offset_ < have_end)
    fresh.assign(buffer_, static_cast<std::size_t>(offset_ - buffer_offset_));
  const std::uint64_t read_from = offset_ + fresh.size();
  const std::size_t want = std::max(bytes - fresh.size(), chunk_bytes_);
  const std::size_t kept = fresh.size();
  fresh.resize(kept + want);
  auto got = segment_.read_some(read_from, fresh.data() + kept, want);
  if (!got) {
    stop_ = ReadStop::io_error;
    error_ = got.error();
    return false;
  }
  fresh.resize(kept + *got);
  buffer_ = std::move(fresh);
  buffer_offset_ = offset_;
  return buffer_.size() >= bytes;
}

HeaderCheck SegmentReader::read_header(SegmentHeader& header) {
  offset_ = 0;
  if (!ensure(kSegmentHeaderBytes)) {
    if (stop_ == ReadStop::none) stop_ = ReadStop::torn;
    return HeaderCheck::too_short;
  }
  const auto check = decode_segment_header(std::string_view(buffer_).substr(0, kSegmentHeaderBytes), header);
  if (check == HeaderCheck::ok) offset_ = kSegmentHeaderBytes;
  return check;
}

std::optional<RecordView> SegmentReader::next() {
  if (stop_ != ReadStop::none) return std::nullopt;
  if (!ensure(kRecordHeaderBytes)) {
    if (stop_ == ReadStop::none)
      stop_ = (buffer_offset_ + buffer_.size() == offset_) ? ReadStop::end : ReadStop::torn;
    return std::nullopt;
  }
  const auto at = static_cast<std::size_t>(offset_ - buffer_offset_);
  ByteReader head(std::string_view(buffer_).substr(at, kRecordHeaderBytes));
  const auto payload_bytes = head.u32();
  const auto stored_crc = head.u32();
  const auto type = head.u8();
  if (payload_bytes == 0 || payload_bytes > kMaxRecordPayload || type < 1 || type > 3) {
    stop_ = ReadStop::bad_length;
    return std::nullopt;
  }
  const std::size_t frame_bytes = kRecordHeaderBytes + payload_bytes;
  if (offset_ + frame_bytes > UINT32_MAX) {  // offsets are 32-bit in the index
    stop_ = ReadStop::bad_length;
    return std::nullopt;
  }
  if (!ensure(frame_bytes)) {
    if (stop_ == ReadStop::none) stop_ = ReadStop::torn;
    return std::nullopt;
  }
  const auto start = static_cast<std::size_t>(offset_ - buffer_offset_);
  const std::string_view payload(buffer_.data() + start + kRecordHeaderBytes, payload_bytes);
  if (frame_checksum(payload_bytes, type, payload) != stored_crc) {
    stop_ = ReadStop::bad_checksum;
    return std::nullopt;
  }
  RecordView view;
  view.type = static_cast<RecordType>(type);
  view.offset = static_cast<std::uint32_t>(offset_);
  view.frame_bytes = static_cast<std::uint32_t>(frame_bytes);
  view.payload = payload;
  offset_ += frame_bytes;
  return view;
}

}  // namespace outpost::store

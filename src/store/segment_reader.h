// Reads a segment front to back: checks the header, then yields each framed record whose
// length is sane and whose CRC matches, and says why it stopped. Used by recovery (and by
// the recovery fuzz target through it); it never trusts a length before checking it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "segment.h"
#include "segment_format.h"

namespace outpost::store {

struct RecordView {
  RecordType type{};
  std::uint32_t offset = 0;       // of the frame in the segment
  std::uint32_t frame_bytes = 0;  // header + payload
  std::string_view payload;       // valid until the next call to next()
};

enum class ReadStop {
  none,          // still reading
  end,           // clean end of file
  torn,          // the file ends inside a record (a write cut short)
  bad_length,    // a length or type that no writer produces
  bad_checksum,  // the record's CRC does not match
  io_error,
};

std::string_view describe(ReadStop stop);

class SegmentReader {
 public:
  explicit SegmentReader(const Segment& segment, std::size_t chunk_bytes = 256 * 1024);

  // Reads and checks the header. Call first; false means the file is not a usable segment.
  HeaderCheck read_header(SegmentHeader& header);

  // The next intact record, or nullopt once reading stopped (see stop() and stop_offset()).
  std::optional<RecordView> next();

  ReadStop stop() const { return stop_; }
  std::uint64_t stop_offset() const { return offset_; }  // first byte not accepted
  const std::string& error() const { return error_; }

 private:
  // Makes `bytes` bytes from offset_ available in buffer_; false at end of file.
  bool ensure(std::size_t bytes);

  const Segment& segment_;
  std::size_t chunk_bytes_;
  std::string buffer_;
  std::uint64_t buffer_offset_ = 0;  // file offset of buffer_[0]
  std::uint64_t offset_ = 0;         // file offset of the next record
  ReadStop stop_ = ReadStop::none;
  std::string error_;
};

}  // namespace outpost::store

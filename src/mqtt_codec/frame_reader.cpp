#include <cstring>

#include <fmt/format.h>

#include "outpost/mqtt_codec/codec.h"

namespace outpost::mqtt {

void FrameReader::append(std::string_view bytes) {
  std::memcpy(prepare(bytes.size()), bytes.data(), bytes.size());
  commit(bytes.size());
}

char* FrameReader::prepare(std::size_t size) {
  compact();
  // Empty and far larger than asked for (a burst or a large packet is over): give it back, so
  // an idle connection does not keep its busiest moment's memory.
  if (begin_ == end_ && buffer_.size() > 4 * size) std::string().swap(buffer_);
  if (buffer_.size() < end_ + size) buffer_.resize(end_ + size);
  return buffer_.data() + end_;
}

void FrameReader::commit(std::size_t size) { end_ += size; }

void FrameReader::compact() {
  // Frames handed out point into the buffer, so only move bytes when starting a new read.
  if (begin_ == end_) {
    begin_ = end_ = 0;
  } else if (begin_ > 0 && begin_ >= buffer_.size() / 2) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
}

Result<std::optional<Frame>> FrameReader::next() {
  const std::size_t available = end_ - begin_;
  if (available < 2) return std::optional<Frame>{};
  const auto* p = reinterpret_cast<const unsigned char*>(buffer_.data() + begin_);
  std::size_t remaining = 0;
  std::size_t multiplier = 1;
  std::size_t header = 1;
  while (true) {
    if (header > 4) return make_error("malformed remaining length (more than 4 bytes)");
    if (header >= available) return std::optional<Frame>{};
    const unsigned char digit = p[header];
    remaining += (digit & 0x7f) * multiplier;
    multiplier *= 128;
    ++header;
    if ((digit & 0x80) == 0) break;
  }
  if (remaining + header > max_packet_bytes_) {
    oversized_ = true;
    return make_error(fmt::format("packet of {} bytes exceeds the limit of {} bytes",
                                  remaining + header, max_packet_bytes_));
  }
  if (available < header + remaining) return std::optional<Frame>{};
  Frame frame;
  frame.first_byte = p[0];
  frame.body = std::string_view(buffer_.data() + begin_ + header, remaining);
  begin_ += header + remaining;
  return std::optional<Frame>{frame};
}

}  // namespace outpost::mqtt

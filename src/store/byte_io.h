// Little-endian field writers and readers for the on-disk format. The reader never reads
// past its input: a short or malformed field sets a sticky failure and yields zeros, so a
// decoder checks ok() once at the end instead of after every field.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace outpost::store {

class ByteWriter {
 public:
  explicit ByteWriter(std::string& out) : out_(out) {}

  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u16(std::uint16_t v) { put(v, 2); }
  void u32(std::uint32_t v) { put(v, 4); }
  void u64(std::uint64_t v) { put(v, 8); }
  void i64(std::int64_t v) { put(static_cast<std::uint64_t>(v), 8); }
  void bytes(std::string_view v) { out_.append(v); }
  void string(std::string_view v) {  // u32 length + bytes
    u32(static_cast<std::uint32_t>(v.size()));
    bytes(v);
  }

  // Overwrites `size` bytes at `pos` (for fields known only later: lengths, checksums).
  static void patch(std::string& out, std::size_t pos, std::uint64_t v, int size) {
    for (int i = 0; i < size; ++i) out[pos + i] = static_cast<char>((v >> (8 * i)) & 0xff);
  }

 private:
  void put(std::uint64_t v, int size) {
    char bytes[8];  // one append, not one push_back (and capacity check) per byte
    for (int i = 0; i < size; ++i) bytes[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    out_.append(bytes, static_cast<std::size_t>(size));
  }
  std::string& out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}

  std::uint8_t u8() { return static_cast<std::uint8_t>(get(1)); }
  std::uint16_t u16() { return static_cast<std::uint16_t>(get(2)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(get(4)); }
  std::uint64_t u64() { return get(8); }
  std::int64_t i64() { return static_cast<std::int64_t>(get(8)); }
  std::string_view bytes(std::size_t n) {
    if (!ok_ || n > remaining()) {
      ok_ = false;
      return {};
    }
    const auto v = in_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  std::string_view string() { return bytes(u32()); }

  bool ok() const { return ok_; }
  std::size_t remaining() const { return in_.size() - pos_; }
  std::size_t position() const { return pos_; }

 private:
  std::uint64_t get(int size) {
    if (!ok_ || remaining() < static_cast<std::size_t>(size)) {
      ok_ = false;
      return 0;
    }
    std::uint64_t v = 0;
    for (int i = 0; i < size; ++i)
      v |= std::uint64_t{static_cast<unsigned char>(in_[pos_ + i])} << (8 * i);
    pos_ += size;
    return v;
  }
  std::string_view in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace outpost::store

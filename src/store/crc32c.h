// CRC-32C (Castagnoli), the checksum every store record carries. Table-driven
// (slicing-by-8), so it needs no library and no CPU feature; ~1-2 GB/s, far above what
// fdatasync lets the store write.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace outpost::store {

// Continues a CRC over more bytes: crc32c_extend(crc32c(a), b) == crc32c(a + b).
std::uint32_t crc32c_extend(std::uint32_t crc, const void* data, std::size_t size);

inline std::uint32_t crc32c(std::string_view bytes) {
  return crc32c_extend(0, bytes.data(), bytes.size());
}

}  // namespace outpost::store

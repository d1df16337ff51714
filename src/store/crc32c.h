// CRC-32C (Castagnoli), the checksum every store record carries. Uses the SSE4.2 `crc32`
// instruction where the CPU has it (checked once at run time), else a table (slicing-by-8,
// no library, no CPU feature). Both give the same results; the tests check both.
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

// The two implementations crc32c_extend() chooses between, for tests and benchmarks.
std::uint32_t crc32c_extend_portable(std::uint32_t crc, const void* data, std::size_t size);
// Only when crc32c_hardware_available() (it would fault on a CPU without SSE4.2).
std::uint32_t crc32c_extend_hardware(std::uint32_t crc, const void* data, std::size_t size);
bool crc32c_hardware_available();

}  // namespace outpost::store

// Bytes waiting to be written to a segment, in fixed-size blocks. Appending never moves
// what is already buffered (a growing string copies everything at each doubling — a stall
// the appender would see during a burst), the writer hands the blocks to one pwritev, and
// written blocks go back to a small pool, so steady state allocates nothing.
//
// Not thread-safe: the segment guards its buffers and pool with its buffer mutex.
#pragma once
#include <sys/uio.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace outpost::store {

class BlockPool {
 public:
  static constexpr std::size_t kBlockBytes = 64 << 10;
  static constexpr std::size_t kKeptBlocks = 4;  // what an idle segment keeps: 256 KiB

  std::unique_ptr<char[]> take();
  void give(std::unique_ptr<char[]> block);
  void release() { free_.clear(); }

 private:
  std::vector<std::unique_ptr<char[]>> free_;
};

class WriteBuffer {
 public:
  void append(std::string_view bytes, BlockPool& pool);
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // One iovec per block in use, in order.
  void iovecs(std::vector<iovec>& out) const;
  std::string contents() const;
  // Empties it; the blocks go back to `pool`.
  void clear(BlockPool& pool);
  void swap(WriteBuffer& other) noexcept {
    blocks_.swap(other.blocks_);
    std::swap(size_, other.size_);
  }

 private:
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::size_t size_ = 0;  // the last block holds size_ - (blocks - 1) * kBlockBytes
};

}  // namespace outpost::store

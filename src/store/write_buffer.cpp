#include "write_buffer.h"

#include <cstring>

namespace outpost::store {

std::unique_ptr<char[]> BlockPool::take() {
  if (free_.empty()) return std::make_unique_for_overwrite<char[]>(kBlockBytes);
  auto block = std::move(free_.back());
  free_.pop_back();
  return block;
}

void BlockPool::give(std::unique_ptr<char[]> block) {
  if (free_.size() < kKeptBlocks) free_.push_back(std::move(block));
}

void WriteBuffer::append(std::string_view bytes, BlockPool& pool) {
  constexpr auto kBlock = BlockPool::kBlockBytes;
  while (!bytes.empty()) {
    std::size_t used = size_ - (blocks_.empty() ? 0 : (blocks_.size() - 1) * kBlock);
    if (blocks_.empty() || used == kBlock) {
      blocks_.push_back(pool.take());
      used = 0;
    }
    const auto n = std::min(bytes.size(), kBlock - used);
    std::memcpy(blocks_.back().get() + used, bytes.data(), n);
    size_ += n;
    bytes.remove_prefix(n);
  }
}

void WriteBuffer::iovecs(std::vector<iovec>& out) const {
  std::size_t left = size_;
  for (const auto& block : blocks_) {
    const auto n = std::min(left, BlockPool::kBlockBytes);
    out.push_back({block.get(), n});
    left -= n;
  }
}

std::string WriteBuffer::contents() const {
  std::string out;
  out.reserve(size_);
  std::vector<iovec> parts;
  iovecs(parts);
  for (const auto& part : parts) out.append(static_cast<const char*>(part.iov_base), part.iov_len);
  return out;
}

void WriteBuffer::clear(BlockPool& pool) {
  for (auto& block : blocks_) pool.give(std::move(block));
  blocks_.clear();
  size_ = 0;
}

}  // namespace outpost::store

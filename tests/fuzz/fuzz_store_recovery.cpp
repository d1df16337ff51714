// Fuzz target: opening a store whose only segment file is the fuzz input. Whatever the
// bytes, open() must either fail with an error or recover; a recovered store must be
// usable (read, ack, expire, append) and must open again cleanly after it wrote.
//
// Input: byte 0 chooses the mode. Even: the rest is the file as is. Odd: the header CRC
// and every frame's CRC are recomputed first, so mutations get past the checksums and
// reach the record decoders instead of stopping at the first flipped bit.
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <spdlog/spdlog.h>

#include "outpost/core/clock.h"
#include "outpost/store/message_store.h"
#include "crc32c.h"
#include "segment_format.h"

namespace {

namespace fs = std::filesystem;
using namespace outpost;
using namespace outpost::store;

// One folder per process, removed at exit (after every store in it is closed).
struct FuzzFolder {
  FuzzFolder() {
    std::string pattern = "/tmp/outpost-fuzz-store-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    path = pattern;
  }
  ~FuzzFolder() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path path;
};

const fs::path& folder() {
  static const FuzzFolder folder;
  return folder.path;
}

std::uint32_t le32(const std::string& s, std::size_t at) {
  return std::uint32_t{static_cast<unsigned char>(s[at])} |
         std::uint32_t{static_cast<unsigned char>(s[at + 1])} << 8 |
         std::uint32_t{static_cast<unsigned char>(s[at + 2])} << 16 |
         std::uint32_t{static_cast<unsigned char>(s[at + 3])} << 24;
}

void put32(std::string& s, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

void reseal(std::string& file) {
  if (file.size() < kSegmentHeaderBytes) return;
  put32(file, kSegmentHeaderBytes - 4, crc32c(std::string_view(file).substr(0, kSegmentHeaderBytes - 4)));
  std::size_t at = kSegmentHeaderBytes;
  while (at + kRecordHeaderBytes <= file.size()) {
    const auto length = le32(file, at);
    if (length > file.size() - at - kRecordHeaderBytes) break;
    const auto type = static_cast<std::uint8_t>(file[at + 8]);
    put32(file, at + 4,
          frame_checksum(length, type, std::string_view(file).substr(at + kRecordHeaderBytes, length)));
    at += kRecordHeaderBytes + length;
  }
}

StoreOptions options() {
  StoreOptions o;
  o.folder = folder();
  o.fsync = FsyncPolicy::never;  // speed: durability is not what is fuzzed here
  o.segment_bytes = 4096;
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool quiet = [] {
    spdlog::set_level(spdlog::level::off);
    return true;
  }();
  (void)quiet;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder(), ec)) fs::remove_all(entry.path(), ec);

  std::string file(reinterpret_cast<const char*>(data), size);
  const bool resealed = !file.empty() && (file[0] & 1);
  if (!file.empty()) file.erase(0, 1);
  if (resealed) reseal(file);
  {
    std::ofstream out(folder() / segment_file_name(SegmentId{1}), std::ios::binary);
    out.write(file.data(), static_cast<std::streamsize>(file.size()));
  }

  ManualClock clock;
  {
    auto opened = MessageStore::open(options(), clock);
    if (!opened) {
      if (opened.error().empty()) std::abort();  // errors must say something
      return 0;
    }
    auto& store = *opened;
    for (const auto& q : store->stats()) {
      const auto entries = store->read(q.id, 0, 64);
      if (!entries.empty()) store->ack(q.id, entries.front().seq);
      for (const auto& e : entries)
        if (!e.message) std::abort();
    }
    store->expire(clock.unix_millis() + 3'600'000);
    const auto q = store->queue("fuzz");
    Message m;
    m.body = "after recovery";
    if (store->append(m, {{q, 0}}, nullptr).status != AppendStatus::accepted) std::abort();
  }
  // What the store wrote itself must open again, with the message it appended.
  auto reopened = MessageStore::open(options(), clock);
  if (!reopened) {
    std::fprintf(stderr, "reopen failed: %s\n", reopened.error().c_str());
    std::abort();
  }
  const auto q = (*reopened)->queue("fuzz");
  if ((*reopened)->queue_length(q) == 0) std::abort();
  return 0;
}

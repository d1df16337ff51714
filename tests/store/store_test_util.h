// Helpers for the store tests: a temporary folder, messages, bounded waits.
#pragma once
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "outpost/core/clock.h"
#include "outpost/store/message_store.h"

namespace outpost::store::testing {

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/outpost-store-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline Message make_message(std::string body, std::string id = "m") {
  Message m;
  m.body = std::move(body);
  m.system.append("messageId", std::move(id));
  m.system.append("contentType", "application/json");
  m.application.append("temperature", "21.5");
  m.application.append("flag", std::nullopt);  // a bare key: null, not empty
  m.application.append("empty", "");
  return m;
}

inline StoreOptions options_for(const std::filesystem::path& folder) {
  StoreOptions o;
  o.folder = folder;
  return o;
}

inline std::unique_ptr<MessageStore> open_store(const StoreOptions& options, const Clock& clock) {
  auto opened = MessageStore::open(options, clock);
  if (!opened) ADD_FAILURE() << "open failed: " << opened.error();
  return opened ? std::move(*opened) : nullptr;
}

// Waits for `condition` up to `timeout`; false (and the caller fails with its own message)
// if it never held.
inline bool wait_until(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // polling interval, not a wait
  }
  return true;
}

inline std::vector<std::filesystem::path> segment_files(const std::filesystem::path& folder) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".seg") out.push_back(it->path());
  std::sort(out.begin(), out.end());
  return out;
}

// Sum of the segment files' sizes; a file deleted while we look simply counts as gone.
inline std::uint64_t bytes_on_disk(const std::filesystem::path& folder) {
  std::uint64_t total = 0;
  for (const auto& f : segment_files(folder)) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(f, ec);
    if (!ec) total += size;
  }
  return total;
}

// disk_bytes() must be what the files add up to; background deletion may be mid-way
// between the two readings, so they are compared until they agree (or time runs out).
inline ::testing::AssertionResult disk_bytes_match(const MessageStore& store,
                                                   const std::filesystem::path& folder) {
  std::uint64_t reported = 0, actual = 0;
  if (wait_until([&] {
        reported = store.disk_bytes();
        actual = bytes_on_disk(folder);
        return reported == actual;
      }))
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "disk_bytes() says " << reported << ", the files hold "
                                       << actual;
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::vector<Sequence> seqs_of(const std::vector<QueuedMessage>& messages) {
  std::vector<Sequence> out;
  for (const auto& m : messages) out.push_back(m.seq);
  return out;
}

// While it lives, a write that would take any file of this process past `bytes` fails
// (EFBIG; SIGXFSZ is ignored meanwhile): how the tests provoke a write error on a real
// file. Files already larger can still shrink, and new files take `bytes` each.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(std::uint64_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    previous_ = ::signal(SIGXFSZ, SIG_IGN);
    rlimit limit = saved_;
    limit.rlim_cur = static_cast<rlim_t>(bytes);
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ADD_FAILURE() << "setrlimit(RLIMIT_FSIZE) failed";
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    ::signal(SIGXFSZ, previous_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit saved_{};
  sighandler_t previous_ = SIG_DFL;
};

// Counts durability callbacks and remembers their order.
class DurableLog {
 public:
  std::function<void(bool)> callback(Sequence tag) {
    return [this, tag](bool ok) {
      std::lock_guard lock(mutex_);
      order_.push_back(tag);
      (ok ? succeeded_ : failures_).push_back(tag);
      if (ok) ++ok_;
      else ++failed_;
    };
  }
  std::size_t ok() const { std::lock_guard lock(mutex_); return ok_; }
  std::size_t failed() const { std::lock_guard lock(mutex_); return failed_; }
  std::vector<Sequence> order() const { std::lock_guard lock(mutex_); return order_; }
  // The tags whose callback got true / false.
  std::vector<Sequence> succeeded() const { std::lock_guard lock(mutex_); return succeeded_; }
  std::vector<Sequence> failures() const { std::lock_guard lock(mutex_); return failures_; }

 private:
  mutable std::mutex mutex_;
  std::vector<Sequence> order_;
  std::vector<Sequence> succeeded_;
  std::vector<Sequence> failures_;
  std::size_t ok_ = 0;
  std::size_t failed_ = 0;
};

}  // namespace outpost::store::testing

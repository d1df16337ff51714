#include "output_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

namespace outpost::runtime {
namespace {

// A line longer than this is cut and collected in pieces: a module printing without
// newlines must not make the daemon hold its whole output.
constexpr std::size_t kMaxLine = 16 * 1024;
constexpr std::size_t kMaxCollect = 4 * 1024 * 1024;  // per tick

std::string stamp(std::int64_t ms) {
  const auto t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char text[40];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03}000000Z", text, ms % 1000);
}

// Seconds since the epoch of a stamp written by stamp(); -1 when it is not one.
std::int64_t stamp_seconds(const std::string& line) {
  std::tm tm{};
  if (line.size() < 20 || ::strptime(line.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr) return -1;
  return static_cast<std::int64_t>(::timegm(&tm));
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

OutputLog::OutputLog(std::string folder, std::uint64_t max_bytes)
    : folder_(std::move(folder)),
      spool_(folder_ + "/output.spool"),
      log_(folder_ + "/output.log"),
      offset_file_(folder_ + "/output.offset"),
      max_bytes_(max_bytes) {
  std::ifstream in(offset_file_);
  in >> offset_;
}

std::size_t OutputLog::collect(std::int64_t now_ms) {
  const int fd = ::open(spool_.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return 0;
  struct stat st {};
  ::fstat(fd, &st);
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size < offset_) offset_ = 0;  // a new spool
  std::string data(static_cast<std::size_t>(std::min<std::uint64_t>(size - offset_, kMaxCollect)), '\0');
  const auto got = data.empty() ? 0 : ::pread(fd, data.data(), data.size(), static_cast<off_t>(offset_));
  data.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
  std::string stamped;
  std::size_t consumed = 0, lines = 0;
  // Each collection's stamp is later than the one before, even within a millisecond: a
  // follower tells the lines it has sent from new ones by their stamps.
  if (now_ms <= last_stamp_ms_) now_ms = last_stamp_ms_ + 1;
  const auto prefix = stamp(now_ms);
  while (consumed < data.size()) {
    auto end = data.find('\n', consumed);
    if (end == std::string::npos) {
      if (data.size() - consumed < kMaxLine) break;  // wait for the rest of the line
      end = consumed + kMaxLine - 1;
    }
    const auto length = std::min(end - consumed, kMaxLine);
    stamped += prefix + " " + data.substr(consumed, length) + "\n";
    consumed = end + 1;
    ++lines;
  }
  if (consumed > 0) {
    last_stamp_ms_ = now_ms;
    append(stamped);
    // Free what was read, in whole blocks; the file keeps its size (O_APPEND writers go on).
    const auto new_offset = offset_ + consumed;
    const auto block = static_cast<std::uint64_t>(st.st_blksize > 0 ? st.st_blksize : 4096);
    const auto freeable = new_offset / block * block;
    if (freeable > 0) ::fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, static_cast<off_t>(freeable));
    offset_ = new_offset;
    // Not fsynced: after a power cut at worst some lines are collected twice.
    std::ofstream(offset_file_ + ".tmp", std::ios::trunc) << offset_;
    std::filesystem::rename(offset_file_ + ".tmp", offset_file_);
  }
  ::close(fd);
  return lines;
}

void OutputLog::append(const std::string& stamped_lines) {
  // Line by line against the cap: a burst larger than the cap keeps its newest lines.
  std::error_code ec;
  auto size = std::filesystem::file_size(log_, ec);
  if (ec) size = 0;
  std::ofstream out(log_, std::ios::app | std::ios::binary);
  std::size_t start = 0;
  while (start < stamped_lines.size()) {
    const auto end = stamped_lines.find('\n', start);
    const auto length = (end == std::string::npos ? stamped_lines.size() : end + 1) - start;
    if (size > 0 && size + length > max_bytes_) {
      out.close();
      std::filesystem::rename(log_, log_ + ".1", ec);
      out.open(log_, std::ios::trunc | std::ios::binary);
      size = 0;
    }
    out.write(stamped_lines.data() + start, static_cast<std::streamsize>(length));
    size += length;
    start += length;
  }
}

void OutputLog::restart(std::int64_t now_ms) {
  collect(now_ms);
  std::error_code ec;
  std::filesystem::remove(spool_, ec);
  std::filesystem::remove(offset_file_, ec);
  offset_ = 0;
}

std::string OutputLog::read(const LogOptions& options) const {
  std::vector<std::string> lines;
  for (const auto& file : {log_ + ".1", log_}) {
    std::istringstream in(read_text(file));
    for (std::string line; std::getline(in, line);) {
      const auto seconds = stamp_seconds(line);
      if (options.since && seconds >= 0 && seconds < *options.since) continue;
      if (options.until && seconds >= 0 && seconds > *options.until) continue;
      lines.push_back(std::move(line));
    }
  }
  const std::size_t first = options.tail && *options.tail < lines.size() ? lines.size() - *options.tail : 0;
  std::string out;
  for (std::size_t i = first; i < lines.size(); ++i) {
    const auto space = lines[i].find(' ');
    out += options.timestamps || space == std::string::npos ? lines[i] : lines[i].substr(space + 1);
    out += '\n';
  }
  return out;
}

}  // namespace outpost::runtime

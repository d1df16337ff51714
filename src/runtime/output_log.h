// A process module's output, kept the way the logs API needs it. The module writes to a
// spool file it holds open with O_APPEND (so it never depends on the daemon: it keeps
// running, and writing, while outpostd restarts). Every tick the daemon moves the complete
// lines that arrived into a timestamped log ("<RFC 3339 time> <line>") capped at two files of
// `max_bytes`, and frees the spool's read part (a hole punched in the file: its size grows,
// its disk use does not). Nothing written is lost; lines get the time they were collected.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "outpost/core/result.h"
#include "outpost/runtime/module_runtime.h"

namespace outpost::runtime {

class OutputLog {
 public:
  // `folder` holds output.spool, output.log, output.log.1 and output.offset.
  OutputLog(std::string folder, std::uint64_t max_bytes);

  const std::string& spool_path() const { return spool_; }
  // Moves what the spool holds into the log; `now_ms` stamps the lines. Returns the lines moved.
  std::size_t collect(std::int64_t now_ms);
  // The collected lines, filtered and formatted as LogOptions ask.
  std::string read(const LogOptions& options) const;
  // A new spool for a new start, after collecting what the old one holds.
  void restart(std::int64_t now_ms);

 private:
  void append(const std::string& stamped_lines);
  std::string folder_, spool_, log_, offset_file_;
  std::uint64_t max_bytes_;
  std::uint64_t offset_ = 0;  // how far the spool has been collected
  std::int64_t last_stamp_ms_ = 0;
};

}  // namespace outpost::runtime

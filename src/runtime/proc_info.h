// What /proc says about a process: enough to recognise it again after the daemon restarts
// (pid numbers are reused; pid + start time is not) and to tell whose process tree it is in.
#pragma once
#include <cstdint>
#include <optional>

namespace outpost::runtime {

struct ProcInfo {
  std::int64_t pid = 0;
  std::int64_t ppid = 0;
  std::int64_t session = 0;
  std::uint64_t start_ticks = 0;  // since boot, in clock ticks: with pid, a process's identity
  char state = '?';               // 'Z': exited, not yet reaped
};

// nullopt when there is no such process.
std::optional<ProcInfo> read_proc_info(std::int64_t pid);

// `pid` is `ancestor` or one of its descendants (by session, or by walking parents).
bool in_process_tree(std::int64_t pid, std::int64_t ancestor);

}  // namespace outpost::runtime

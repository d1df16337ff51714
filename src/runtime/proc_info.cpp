#include "proc_info.h"

#include <fstream>
#include <sstream>
#include <string>

namespace outpost::runtime {

std::optional<ProcInfo> read_proc_info(std::int64_t pid) {
  if (pid <= 0) return std::nullopt;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  // "pid (comm) state ppid pgrp session ... starttime(22nd)": comm may hold spaces and ')'.
  const auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(line.substr(close + 1));
  ProcInfo info;
  info.pid = pid;
  std::int64_t pgrp = 0;
  rest >> info.state >> info.ppid >> pgrp >> info.session;
  std::string skip;
  for (int field = 7; field < 22 && rest; ++field) rest >> skip;  // tty_nr .. nice, num_threads, itrealvalue
  rest >> info.start_ticks;
  if (!rest) return std::nullopt;
  return info;
}

bool in_process_tree(std::int64_t pid, std::int64_t ancestor) {
  if (pid <= 0 || ancestor <= 0) return false;
  // Modules start in a session of their own (setsid): every process they start shares it,
  // unless it made its own session, which the walk up the parents still finds.
  for (int depth = 0; depth < 64 && pid > 1; ++depth) {
    if (pid == ancestor) return true;
    const auto info = read_proc_info(pid);
    if (!info) return false;
    if (info->session == ancestor) return true;
    pid = info->ppid;
  }
  return false;
}

}  // namespace outpost::runtime

// Child processes for integration tests: the real binaries and real peers (mosquitto,
// node), with their output in a log file and every wait bounded.
#pragma once
#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace outpost::testing {

class Process {
 public:
  // Starts `argv[0]` (searched in PATH) with `argv`; stdout and stderr go to `log_file`.
  Process(std::vector<std::string> argv, std::string log_file,
          std::map<std::string, std::string> extra_env = {}, std::string working_dir = {});
  ~Process();  // SIGKILLs the child if it still runs
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int signo);
  void kill_hard();  // SIGKILL and reap
  // Exit status (or 128+signal), or nullopt if still running at the deadline.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  std::string log() const;
  const std::string& log_file() const { return log_file_; }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string log_file_;
};

// The path of a binary built by this tree (build/bin/<name>).
std::string built_binary(const std::string& name);
std::string source_path(const std::string& relative);
// A fresh directory under /tmp, removed by the caller (or left for post-mortem on failure).
std::string make_temp_dir(const std::string& prefix);
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content);
// Runs a command to completion (bounded); returns exit status and combined output.
struct CommandResult {
  int status = -1;
  std::string output;
};
CommandResult run_command(std::vector<std::string> argv, std::chrono::milliseconds timeout,
                          std::map<std::string, std::string> extra_env = {});
bool have_program(const std::string& name);
// Modules outlive a killed outpostd by design (the process runtime): SIGKILLs the process
// group of every module under `homedir`/modules (their module.json's pid), for tear-downs.
void kill_module_processes(const std::string& homedir);

}  // namespace outpost::testing

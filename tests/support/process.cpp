#include "support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "outpost/core/crypto.h"
#include "outpost/core/json.h"

extern char** environ;

namespace outpost::testing {

Process::Process(std::vector<std::string> argv, std::string log_file, std::map<std::string, std::string> extra_env,
                 std::string working_dir)
    : log_file_(std::move(log_file)) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    const std::string entry(*e);
    const auto name = entry.substr(0, entry.find('='));
    if (!extra_env.count(name)) env_strings.push_back(entry);
  }
  for (const auto& [k, v] : extra_env) env_strings.push_back(k + "=" + v);
  pid_ = fork();
  if (pid_ == 0) {
    setpgid(0, 0);
    const int fd = open(log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    if (!working_dir.empty() && chdir(working_dir.c_str()) != 0) _exit(126);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    execvpe(args[0], args.data(), envp.data());
    _exit(127);
  }
}

Process::~Process() {
  if (pid_ > 0 && !status_) kill_hard();
}

bool Process::running() {
  if (status_) return false;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
  }
  return true;
}

void Process::signal(int signo) {
  if (!status_) ::kill(pid_, signo);
}

void Process::kill_hard() {
  if (status_) return;
  ::kill(-pid_, SIGKILL);  // the whole process group (node spawns helpers)
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  status_ = 128 + SIGKILL;
}

std::optional<int> Process::wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling interval
  }
  return status_;
}

std::string Process::log() const { return read_file(log_file_); }

// fmt rather than operator+: g++ 12 misreads the latter as an out-of-bounds copy (-Warray-bounds).
std::string built_binary(const std::string& name) { return fmt::format("{}/bin/{}", OUTPOST_BINARY_DIR, name); }
std::string source_path(const std::string& relative) { return fmt::format("{}/{}", OUTPOST_SOURCE_DIR, relative); }

std::string make_temp_dir(const std::string& prefix) {
  const auto dir = std::filesystem::temp_directory_path() / (prefix + "-" + random_hex_id(6));
  std::filesystem::create_directories(dir);
  return dir.string();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

CommandResult run_command(std::vector<std::string> argv, std::chrono::milliseconds timeout,
                          std::map<std::string, std::string> extra_env) {
  const auto dir = make_temp_dir("outpost-cmd");
  const auto log = dir + "/out.log";
  CommandResult result;
  {
    Process p(std::move(argv), log, std::move(extra_env));
    const auto status = p.wait(timeout);
    if (!status) p.kill_hard();
    result.status = status.value_or(-1);
  }
  result.output = read_file(log);
  std::filesystem::remove_all(dir);
  return result;
}

bool have_program(const std::string& name) {
  return run_command({"sh", "-c", "command -v " + name}, std::chrono::seconds(5)).status == 0;
}

void kill_module_processes(const std::string& homedir) {
  std::error_code ec;
  for (const auto& module : std::filesystem::directory_iterator(homedir + "/modules", ec)) {
    const auto state = parse_json(read_file((module.path() / "module.json").string()));
    if (const auto pid = state ? integer_field(*state, "pid", 0) : 0; pid > 0) ::kill(-static_cast<pid_t>(pid), SIGKILL);
  }
}

}  // namespace outpost::testing

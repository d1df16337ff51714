#include "programs.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "outpost/core/config.h"

namespace outpost::cli {
namespace {

bool executable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

std::vector<char*> c_args(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  return args;
}

}  // namespace

std::string find_program(const std::string& name, const char* env) {
  std::string wanted = name;
  if (env)
    if (auto value = env_var(env)) wanted = *value;
  if (wanted.find('/') != std::string::npos) return executable(wanted) ? wanted : std::string();
  std::istringstream path(env_var("PATH").value_or("/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"));
  for (std::string folder; std::getline(path, folder, ':');) {
    if (folder.empty()) continue;
    if (const auto candidate = folder + "/" + wanted; executable(candidate)) return candidate;
  }
  return {};
}

ProgramOutput capture(const std::vector<std::string>& argv) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return {-1, std::string("pipe: ") + std::strerror(errno)};
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return {-1, std::string("fork: ") + std::strerror(errno)};
  }
  if (pid == 0) {
    const int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, 0);
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    auto args = c_args(argv);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string out;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fds[0], buffer, sizeof buffer)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string exec_program(const std::vector<std::string>& argv) {
  auto args = c_args(argv);
  ::execv(args[0], args.data());
  return argv[0] + ": " + std::strerror(errno);
}

std::string first_line(const std::string& text) {
  auto line = text.substr(0, text.find('\n'));
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t')) line.pop_back();
  return line;
}

}  // namespace outpost::cli

#include "process_launch.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <set>

#include <fmt/format.h>

namespace outpost::runtime {
namespace {

// createOptions keys the process runtime honours; any other top-level key is reported.
constexpr const char* kHonoured[] = {"Cmd", "Entrypoint", "Env", "WorkingDir", "User"};

Result<std::vector<std::string>> string_list(const nlohmann::json& options, const char* key) {
  const auto it = options.find(key);
  if (it == options.end() || it->is_null()) return std::vector<std::string>{};
  // Docker's shell form: a string runs through /bin/sh -c.
  if (it->is_string()) return std::vector<std::string>{"/bin/sh", "-c", it->get<std::string>()};
  if (!it->is_array()) return make_error(ErrorKind::invalid_input, fmt::format("createOptions.{}: expected a list of strings", key));
  std::vector<std::string> out;
  for (const auto& item : *it) {
    if (!item.is_string()) return make_error(ErrorKind::invalid_input, fmt::format("createOptions.{}: expected a list of strings", key));
    out.push_back(item.get<std::string>());
  }
  return out;
}

// "name", "uid", "uid:gid", "name:group".
Status resolve_user(const std::string& user, LaunchPlan& plan) {
  const auto colon = user.find(':');
  const auto name = user.substr(0, colon);
  const auto group = colon == std::string::npos ? std::string() : user.substr(colon + 1);
  const auto numeric = [](const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; };
  if (numeric(name)) {
    plan.uid = static_cast<std::uint32_t>(std::stoul(name));
    const auto* pw = ::getpwuid(*plan.uid);
    plan.gid = pw ? pw->pw_gid : *plan.uid;
  } else {
    const auto* pw = ::getpwnam(name.c_str());
    if (!pw) return make_error(ErrorKind::invalid_input, fmt::format("createOptions.User: no user '{}' on this device", name));
    plan.uid = pw->pw_uid;
    plan.gid = pw->pw_gid;
  }
  if (numeric(group)) {
    plan.gid = static_cast<std::uint32_t>(std::stoul(group));
  } else if (!group.empty()) {
    const auto* gr = ::getgrnam(group.c_str());
    if (!gr) return make_error(ErrorKind::invalid_input, fmt::format("createOptions.User: no group '{}' on this device", group));
    plan.gid = gr->gr_gid;
  }
  if (*plan.uid == ::geteuid() && *plan.gid == ::getegid()) {
    plan.uid.reset();
    plan.gid.reset();
  } else if (::geteuid() != 0) {
    return make_error(ErrorKind::invalid_input,
                      fmt::format("createOptions.User '{}': outpostd must run as root to start a module as another user", user));
  }
  return {};
}

[[noreturn]] void child_fail(int report_fd) {
  const int error = errno;
  (void)!::write(report_fd, &error, sizeof error);
  ::_exit(127);
}

}  // namespace

Result<std::string> process_image_path(const std::string& image) {
  constexpr std::string_view scheme = "process://";
  if (image.rfind(scheme, 0) != 0 || image.size() <= scheme.size() || image[scheme.size()] != '/')
    return make_error(ErrorKind::invalid_input,
                      fmt::format("image '{}' is not a process:///absolute/path image: the process runtime runs programs "
                                  "(map the image in config.yaml's images table)",
                                  image));
  return image.substr(scheme.size());
}

Result<LaunchPlan> plan_launch(const ModuleSpec& spec, const std::string& default_dir) {
  auto executable = process_image_path(spec.image);
  if (!executable) return executable.failure();
  const auto& options = spec.create_options;
  if (!options.is_object()) return make_error(ErrorKind::invalid_input, "createOptions: expected an object");
  LaunchPlan plan;
  for (const auto& [key, value] : options.items()) {
    bool honoured = false;
    for (const auto* h : kHonoured) honoured = honoured || key == h;
    if (!honoured) plan.ignored_options.push_back(key);
  }
  auto entrypoint = string_list(options, "Entrypoint");
  if (!entrypoint) return entrypoint.failure();
  auto cmd = string_list(options, "Cmd");
  if (!cmd) return cmd.failure();
  // As Docker: Entrypoint + Cmd; the image's own program stands for the entrypoint when
  // none is given.
  plan.argv = entrypoint->empty() ? std::vector<std::string>{*executable} : *entrypoint;
  plan.argv.insert(plan.argv.end(), cmd->begin(), cmd->end());

  // The spec's env first, createOptions.Env wins a clash (as IoT Edge merges them).
  std::map<std::string, std::string> env;
  std::vector<std::string> order;
  const auto set = [&](const std::string& key, const std::string& value) {
    if (env.emplace(key, value).second) order.push_back(key);
    else env[key] = value;
  };
  set("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  for (const auto& [key, value] : spec.env) set(key, value);
  auto extra = string_list(options, "Env");
  if (!extra) return extra.failure();
  if (options.contains("Env") && options["Env"].is_string())
    return make_error(ErrorKind::invalid_input, "createOptions.Env: expected a list of \"KEY=value\" strings");
  std::set<std::string> unset;
  for (const auto& item : *extra) {
    const auto eq = item.find('=');
    if (eq == 0 || item.empty())
      return make_error(ErrorKind::invalid_input, fmt::format("createOptions.Env: '{}' is not KEY=value", item));
    // A bare KEY (in real manifests) means, as Docker takes it, that the variable is not set.
    if (eq == std::string::npos) {
      unset.insert(item);
      continue;
    }
    unset.erase(item.substr(0, eq));
    set(item.substr(0, eq), item.substr(eq + 1));
  }
  for (const auto& key : order)
    if (!unset.count(key)) plan.env.push_back(key + "=" + env[key]);

  plan.working_dir = default_dir;
  if (const auto it = options.find("WorkingDir"); it != options.end() && !it->is_null()) {
    if (!it->is_string() || it->get<std::string>().empty() || it->get<std::string>()[0] != '/')
      return make_error(ErrorKind::invalid_input, "createOptions.WorkingDir: expected an absolute path");
    plan.working_dir = it->get<std::string>();
  }
  if (const auto it = options.find("User"); it != options.end() && it->is_string() && !it->get<std::string>().empty()) {
    if (auto ok = resolve_user(it->get<std::string>(), plan); !ok) return ok.failure();
  }
  return plan;
}

Result<std::int64_t> launch(const LaunchPlan& plan, const std::string& output_file) {
  // Everything the child needs is prepared here: after fork() only async-signal-safe calls.
  std::vector<char*> argv, envp;
  for (const auto& a : plan.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : plan.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const int output = ::open(output_file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (output < 0) return make_error(ErrorKind::io, fmt::format("cannot open {}: {}", output_file, std::strerror(errno)));
  const int null_in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int report[2];
  if (null_in < 0 || ::pipe2(report, O_CLOEXEC) != 0) {
    ::close(output);
    if (null_in >= 0) ::close(null_in);
    return make_error(ErrorKind::io, fmt::format("cannot prepare the module's process: {}", std::strerror(errno)));
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(report[0]);
    ::setsid();
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);  // the daemon ignores SIGPIPE; modules need not
    if (::dup2(null_in, 0) < 0 || ::dup2(output, 1) < 0 || ::dup2(output, 2) < 0) child_fail(report[1]);
    // Nothing of the daemon's reaches the module: not its listening sockets (a module could
    // accept another module's workload requests), not its files. Marked close-on-exec
    // rather than closed, so the report pipe still works until exec.
    if (::syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC) != 0) {
      for (int fd = 3; fd < 65536; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    if (::chdir(plan.working_dir.c_str()) != 0) child_fail(report[1]);
    if (plan.gid && (::setgroups(0, nullptr) != 0 || ::setgid(*plan.gid) != 0)) child_fail(report[1]);
    if (plan.uid && ::setuid(*plan.uid) != 0) child_fail(report[1]);
    ::execve(argv[0], argv.data(), envp.data());
    child_fail(report[1]);
  }
  ::close(output);
  ::close(null_in);
  ::close(report[1]);
  if (pid < 0) {
    ::close(report[0]);
    return make_error(ErrorKind::io, fmt::format("cannot fork: {}", std::strerror(errno)));
  }
  // exec closes the pipe (CLOEXEC): EOF means the program runs; an errno means it did not.
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(report[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  ::close(report[0]);
  if (n == sizeof child_errno) {
    ::waitpid(pid, nullptr, 0);
    return make_error(ErrorKind::invalid_input,
                      fmt::format("cannot start {} in {}: {}", plan.argv[0], plan.working_dir, std::strerror(child_errno)));
  }
  return static_cast<std::int64_t>(pid);
}

}  // namespace outpost::runtime

#include "outpost/runtime/process_runtime.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "module_spec_json.h"
#include "output_log.h"
#include "outpost/core/file_io.h"
#include "outpost/core/json.h"
#include "proc_info.h"
#include "process_launch.h"

namespace outpost::runtime {

struct ProcessRuntime::Module {
  ModuleSpec spec;
  std::string folder;
  std::unique_ptr<OutputLog> output;
  ModuleState state = ModuleState::stopped;
  std::string description;
  std::int64_t pid = 0;
  std::uint64_t start_ticks = 0;
  bool our_child = false;  // false: adopted from an earlier daemon, watched through /proc
  std::optional<std::int64_t> start_time, exit_time;
  std::optional<int> exit_code;
};

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
std::int64_t now_s() { return now_ms() / 1000; }

Status check_name(const std::string& name) {
  const bool ok = !name.empty() && name.size() <= 128 && name[0] != '.' &&
                  name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
                      std::string::npos;
  if (ok) return {};
  return make_error(ErrorKind::invalid_input,
                    fmt::format("module name '{}': expected 1 to 128 letters, digits, '.', '_' or '-'", name));
}

Error not_found(const std::string& name) {
  return make_error(ErrorKind::not_found, fmt::format("module '{}' not found", name));
}

template <typename T>
json optional_json(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

ModuleState state_from_exit(int code) { return code == 0 ? ModuleState::stopped : ModuleState::failed; }

}  // namespace

const char* to_string(ModuleState state) {
  switch (state) {
    case ModuleState::running: return "running";
    case ModuleState::unhealthy: return "unhealthy";
    case ModuleState::stopped: return "stopped";
    case ModuleState::failed: return "failed";
    case ModuleState::dead: return "dead";
    case ModuleState::unknown: break;
  }
  return "unknown";
}

ProcessRuntime::ProcessRuntime(ProcessRuntimeOptions options) : options_(std::move(options)) {
  std::error_code ec;
  fs::create_directories(options_.folder, ec);
  load_existing();
}

ProcessRuntime::~ProcessRuntime() = default;  // modules outlive the daemon: they are adopted at its next start

void ProcessRuntime::save(const Module& m) const {
  const json state{{"spec", spec_to_json(m.spec)},
                   {"state", to_string(m.state)},
                   {"description", m.description},
                   {"pid", m.pid},
                   {"startTicks", m.start_ticks},
                   {"startTime", optional_json(m.start_time)},
                   {"exitTime", optional_json(m.exit_time)},
                   {"exitCode", optional_json(m.exit_code)}};
  if (auto ok = write_file_atomically(m.folder + "/module.json", state.dump(), 0600); !ok)
    spdlog::error("process runtime: cannot save module '{}': {}", m.spec.name, ok.error());
}

void ProcessRuntime::load_existing() {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(options_.folder, ec)) {
    const auto file = entry.path() / "module.json";
    auto text = read_whole_file(file.string());
    if (!text) continue;
    auto parsed = parse_json(*text);
    if (!parsed || !parsed->is_object() || !parsed->contains("spec")) {
      spdlog::error("process runtime: {} is damaged; module left out", file.string());
      continue;
    }
    const auto& j = *parsed;
    auto m = std::make_unique<Module>();
    m->spec = spec_from_json(object_field(j, "spec"));
    if (m->spec.name != entry.path().filename().string()) continue;
    m->folder = entry.path().string();
    m->output = std::make_unique<OutputLog>(m->folder, options_.log_max_bytes);
    m->description = string_field(j, "description");
    m->pid = integer_field(j, "pid", 0);
    m->start_ticks = static_cast<std::uint64_t>(integer_field(j, "startTicks", 0));
    const auto optional_integer = [&](const char* key) -> std::optional<std::int64_t> {
      const auto it = j.find(key);
      if (it == j.end() || !it->is_number_integer()) return std::nullopt;
      return it->get<std::int64_t>();
    };
    m->start_time = optional_integer("startTime");
    m->exit_time = optional_integer("exitTime");
    if (const auto code = optional_integer("exitCode")) m->exit_code = static_cast<int>(*code);
    const auto state = string_field(j, "state");
    m->state = state == "running" ? ModuleState::running : state == "failed" ? ModuleState::failed : ModuleState::stopped;
    if (m->state == ModuleState::running) {
      const auto info = read_proc_info(m->pid);
      if (info && info->start_ticks == m->start_ticks && info->state != 'Z') {
        spdlog::info("process runtime: adopted module '{}' (pid {}), still running", m->spec.name, m->pid);
      } else {
        m->state = ModuleState::failed;
        m->description = "exited while outpostd was not running (exit code unknown)";
        m->exit_time = now_s();
        m->pid = 0;
        save(*m);
      }
    }
    const auto name = m->spec.name;
    modules_[name] = std::move(m);
  }
}

ProcessRuntime::Module* ProcessRuntime::find(const std::string& name) {
  const auto it = modules_.find(name);
  return it == modules_.end() ? nullptr : it->second.get();
}

void ProcessRuntime::observe(Module& m) {
  if (m.state != ModuleState::running) return;
  std::optional<int> code;
  bool exited = false;
  if (m.our_child) {
    // Peek first (WNOWAIT): while the exited child is not reaped, its pid (the group's id)
    // cannot be reused, so killing what it left behind hits only its own processes — as a
    // container ends when its first process does.
    siginfo_t info{};
    const int rc = ::waitid(P_PID, static_cast<id_t>(m.pid), &info, WEXITED | WNOHANG | WNOWAIT);
    if (rc == 0 && info.si_pid == m.pid) {
      ::kill(-static_cast<pid_t>(m.pid), SIGKILL);
      int status = 0;
      ::waitpid(static_cast<pid_t>(m.pid), &status, 0);
      exited = true;
      code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    } else if (rc != 0 && errno == ECHILD) {
      exited = true;  // reaped elsewhere: exit code unknown
    }
  } else {
    const auto info = read_proc_info(m.pid);
    exited = !info || info->start_ticks != m.start_ticks || info->state == 'Z';
  }
  if (!exited) return;
  m.state = code ? state_from_exit(*code) : ModuleState::failed;
  m.exit_code = code;
  m.exit_time = now_s();
  m.description = code ? fmt::format("exited with code {}", *code) : "exited (exit code unknown)";
  m.pid = 0;
  m.output->collect(now_ms());
  save(m);
  spdlog::info("process runtime: module '{}' {}", m.spec.name, m.description);
}

Status ProcessRuntime::create(const ModuleSpec& spec) {
  if (auto ok = check_name(spec.name); !ok) return ok;
  if (find(spec.name)) return make_error(ErrorKind::invalid_input, fmt::format("module '{}' already exists", spec.name));
  auto plan = plan_launch(spec, "/");
  if (!plan) return plan.failure();
  if (!plan->ignored_options.empty()) {
    std::string keys;
    for (const auto& k : plan->ignored_options) keys += (keys.empty() ? "" : ", ") + k;
    spdlog::warn("process runtime: module '{}': createOptions {} ignored (a process has no container)", spec.name, keys);
  }
  auto m = std::make_unique<Module>();
  m->spec = spec;
  m->folder = options_.folder + "/" + spec.name;
  std::error_code ec;
  fs::create_directories(m->folder + "/work", ec);
  if (ec) return make_error(ErrorKind::io, fmt::format("cannot create {}: {}", m->folder, ec.message()));
  m->output = std::make_unique<OutputLog>(m->folder, options_.log_max_bytes);
  save(*m);
  modules_[spec.name] = std::move(m);
  return {};
}

Status ProcessRuntime::start(const std::string& name) {
  auto* m = find(name);
  if (!m) return not_found(name);
  observe(*m);
  if (m->state == ModuleState::running) return {};
  auto plan = plan_launch(m->spec, m->folder + "/work");
  if (!plan) return plan.failure();
  m->output->restart(now_ms());
  auto pid = launch(*plan, m->output->spool_path());
  if (!pid) {
    m->state = ModuleState::failed;
    m->description = pid.error();
    save(*m);
    return pid.failure();
  }
  const auto info = read_proc_info(*pid);
  m->pid = *pid;
  m->start_ticks = info ? info->start_ticks : 0;
  m->our_child = true;
  m->state = ModuleState::running;
  m->description.clear();
  m->start_time = now_s();
  m->exit_time.reset();
  m->exit_code.reset();
  save(*m);
  spdlog::info("process runtime: started module '{}' (pid {}): {}", name, *pid, plan->argv[0]);
  return {};
}

Status ProcessRuntime::stop(const std::string& name, std::chrono::seconds grace) {
  auto* m = find(name);
  if (!m) return not_found(name);
  observe(*m);
  if (m->state != ModuleState::running) return {};
  const auto group = -static_cast<pid_t>(m->pid);
  const auto wait_until_gone = [&](std::chrono::steady_clock::duration limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (m->state == ModuleState::running && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      observe(*m);
    }
    return m->state != ModuleState::running;
  };
  ::kill(group, SIGTERM);
  if (wait_until_gone(grace)) return {};
  spdlog::warn("process runtime: module '{}' still running {} s after SIGTERM: SIGKILL", name, grace.count());
  ::kill(group, SIGKILL);
  if (wait_until_gone(std::chrono::seconds(10))) return {};
  return make_error(ErrorKind::unavailable, fmt::format("module '{}' (pid {}) did not end after SIGKILL", name, m->pid));
}

Status ProcessRuntime::signal_stop(const std::string& name) {
  auto* m = find(name);
  if (!m) return not_found(name);
  observe(*m);
  if (m->state == ModuleState::running) ::kill(-static_cast<pid_t>(m->pid), SIGTERM);
  return {};
}

Status ProcessRuntime::remove(const std::string& name) {
  auto* m = find(name);
  if (!m) return not_found(name);
  if (auto ok = stop(name, std::chrono::seconds(10)); !ok) return ok;
  std::error_code ec;
  fs::remove_all(m->folder, ec);
  modules_.erase(name);
  return {};
}

Status ProcessRuntime::prepare(const ModuleSpec& spec) {
  auto plan = plan_launch(spec, "/");
  if (!plan) return plan.failure();
  if (::access(plan->argv[0].c_str(), X_OK) != 0)
    return make_error(ErrorKind::not_found, fmt::format("{} is not an executable program on this device", plan->argv[0]));
  return {};
}

Result<ModuleStatus> ProcessRuntime::status(const std::string& name) {
  auto* m = find(name);
  if (!m) return not_found(name);
  observe(*m);
  ModuleStatus s;
  s.name = name;
  s.image = m->spec.image;
  s.state = m->state;
  s.description = m->description;
  s.start_time = m->start_time;
  s.exit_time = m->exit_time;
  s.exit_code = m->exit_code;
  s.pid = m->pid;
  return s;
}

Result<std::vector<ModuleStatus>> ProcessRuntime::list() {
  std::vector<ModuleStatus> out;
  for (const auto& [name, m] : modules_) out.push_back(*status(name));
  return out;
}

Result<ModuleSpec> ProcessRuntime::spec(const std::string& name) {
  auto* m = find(name);
  if (!m) return not_found(name);
  return m->spec;
}

bool ProcessRuntime::owns_process(const std::string& name, std::int64_t pid) {
  auto* m = find(name);
  if (!m) return false;
  observe(*m);
  return m->state == ModuleState::running && in_process_tree(pid, m->pid);
}

Result<std::string> ProcessRuntime::logs(const std::string& name, const LogOptions& options) {
  auto* m = find(name);
  if (!m) return not_found(name);
  m->output->collect(now_ms());
  return m->output->read(options);
}

void ProcessRuntime::tick() {
  const auto now = now_ms();
  for (auto& [name, m] : modules_) {
    observe(*m);
    m->output->collect(now);
  }
}

}  // namespace outpost::runtime

// The process runtime: modules as children of the daemon, where no container engine runs.
// A module's image is a program ("process:///abs/path", or a name config.yaml's images table
// maps); createOptions' Cmd, Entrypoint, Env, WorkingDir and User are honoured, other keys
// are reported as ignored. Each module runs in a session of its own, its output collected
// into size-capped logs (output_log.h); exit codes and times are recorded.
//
// State lives in `<folder>/<module>/module.json`, so a restarted daemon finds its modules:
// one still running (same pid and start time) is adopted, never started twice; one that
// exited meanwhile is reported failed with its exit code unknown.
#pragma once
#include <map>
#include <memory>
#include <string>

#include "outpost/runtime/module_runtime.h"

namespace outpost::runtime {

struct ProcessRuntimeOptions {
  std::string folder;                          // <homedir>/modules
  std::uint64_t log_max_bytes = 1024 * 1024;   // per log file; two files per module
};

class ProcessRuntime final : public ModuleRuntime {
 public:
  explicit ProcessRuntime(ProcessRuntimeOptions options);
  ~ProcessRuntime() override;

  const char* kind() const override { return "process"; }
  Status create(const ModuleSpec& spec) override;
  Status start(const std::string& name) override;
  Status stop(const std::string& name, std::chrono::seconds grace) override;
  Status signal_stop(const std::string& name) override;
  Status remove(const std::string& name) override;
  Status prepare(const ModuleSpec& spec) override;  // the program exists and createOptions are valid
  Result<ModuleStatus> status(const std::string& name) override;
  Result<std::vector<ModuleStatus>> list() override;
  Result<ModuleSpec> spec(const std::string& name) override;
  bool owns_process(const std::string& name, std::int64_t pid) override;
  Result<std::string> logs(const std::string& name, const LogOptions& options) override;
  void tick() override;

  struct Module;

 private:
  Module* find(const std::string& name);
  void load_existing();
  void observe(Module& module);  // notices an exit
  void save(const Module& module) const;

  ProcessRuntimeOptions options_;
  std::map<std::string, std::unique_ptr<Module>> modules_;
};

}  // namespace outpost::runtime

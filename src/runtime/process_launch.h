// How the process runtime starts a module: its command line, environment, folder and user,
// taken from the image and the createOptions a container would get (Cmd, Entrypoint, Env,
// WorkingDir, User), and the fork/exec that starts it in a session of its own with its
// output appended to a file.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "outpost/core/result.h"
#include "outpost/runtime/module_runtime.h"

namespace outpost::runtime {

struct LaunchPlan {
  std::vector<std::string> argv;  // argv[0] is the executable's absolute path
  std::vector<std::string> env;   // "KEY=value"
  std::string working_dir;
  std::optional<std::uint32_t> uid, gid;  // set only when the module runs as another user
  std::vector<std::string> ignored_options;  // createOptions keys a process cannot honour
};

// The executable of a "process:///abs/path" image; an error naming the image otherwise.
Result<std::string> process_image_path(const std::string& image);

// `default_dir`: the working folder when createOptions has no WorkingDir.
Result<LaunchPlan> plan_launch(const ModuleSpec& spec, const std::string& default_dir);

// Starts the plan: a new session (so the module and everything it starts form one group the
// runtime can signal, and the daemon's own signals do not reach it), stdin from /dev/null,
// stdout and stderr appended to `output_file`. Returns the pid once exec has succeeded; an
// exec that fails is an error with its reason, not a child that exits 127.
Result<std::int64_t> launch(const LaunchPlan& plan, const std::string& output_file);

}  // namespace outpost::runtime

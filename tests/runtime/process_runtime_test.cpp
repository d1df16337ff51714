// The process runtime with real processes (/bin/sh as the module program): create, start,
// exit codes, stop with SIGTERM then SIGKILL, the module's process tree, createOptions,
// adoption by a restarted runtime, and logs.
#include "outpost/runtime/process_runtime.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>

#include "proc_info.h"
#include "support/mqtt_test_client.h"
#include "support/process.h"

namespace outpost::runtime {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using outpost::testing::wait_until;

ModuleSpec shell_module(const std::string& name, const std::string& script, json extra = json::object()) {
  ModuleSpec spec;
  spec.name = name;
  spec.image = "process:///bin/sh";
  spec.create_options = std::move(extra);
  spec.create_options["Cmd"] = json::array({"-c", script});
  spec.env = {{"IOTEDGE_MODULEID", name}};
  return spec;
}

class ProcessRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = outpost::testing::make_temp_dir("outpost-procrt"); }
  void TearDown() override {
    runtime_.reset();
    // Modules outlive a runtime by design: end the ones a test left running.
    ProcessRuntime cleanup({dir_ + "/modules"});
    const auto modules = cleanup.list();
    for (const auto& s : *modules) (void)cleanup.stop(s.name, 1s);
    std::filesystem::remove_all(dir_);
  }
  ProcessRuntime& runtime() {
    if (!runtime_) runtime_ = std::make_unique<ProcessRuntime>(ProcessRuntimeOptions{dir_ + "/modules", 4096});
    return *runtime_;
  }
  ModuleState state_of(const std::string& name) { return runtime().status(name)->state; }
  std::string logs_of(const std::string& name, LogOptions options = {}) { return *runtime().logs(name, options); }

  std::string dir_;
  std::unique_ptr<ProcessRuntime> runtime_;
};

TEST_F(ProcessRuntimeTest, AModuleIsCreatedStoppedThenRunsAndItsExitCodeIsRecorded) {
  ASSERT_TRUE(runtime().create(shell_module("once", "echo \"hello from $IOTEDGE_MODULEID in $(pwd)\"; exit 3")));
  EXPECT_EQ(state_of("once"), ModuleState::stopped);
  ASSERT_TRUE(runtime().start("once"));
  ASSERT_TRUE(wait_until([&] { return state_of("once") != ModuleState::running; }, 5s)) << "the script ends";
  const auto s = *runtime().status("once");
  EXPECT_EQ(s.state, ModuleState::failed) << "a non-zero exit is failed, as IoT Edge maps Docker's exited";
  EXPECT_EQ(s.exit_code, 3);
  EXPECT_TRUE(s.start_time && s.exit_time);
  EXPECT_EQ(s.pid, 0);
  EXPECT_EQ(logs_of("once"), "hello from once in " + dir_ + "/modules/once/work\n");

  ASSERT_TRUE(runtime().create(shell_module("clean", "exit 0")));
  ASSERT_TRUE(runtime().start("clean"));
  ASSERT_TRUE(wait_until([&] { return state_of("clean") != ModuleState::running; }, 5s));
  EXPECT_EQ(state_of("clean"), ModuleState::stopped) << "exit code 0 is stopped";
}

TEST_F(ProcessRuntimeTest, StopSendsSigtermThenSigkillToTheWholeGroup) {
  ASSERT_TRUE(runtime().create(shell_module("polite", "trap 'echo bye; exit 0' TERM; echo ready; while :; do sleep 0.05; done")));
  ASSERT_TRUE(runtime().start("polite"));
  ASSERT_TRUE(wait_until([&] { return logs_of("polite") == "ready\n"; }, 5s)) << "its SIGTERM trap is set";
  ASSERT_TRUE(runtime().stop("polite", 5s));
  EXPECT_EQ(state_of("polite"), ModuleState::stopped);
  EXPECT_EQ(runtime().status("polite")->exit_code, 0);
  const auto said = logs_of("polite");
  ASSERT_GE(said.size(), 4u) << said;
  EXPECT_EQ(said.substr(said.size() - 4), "bye\n") << said;  // after the shell's note that its sleep was terminated

  // Ignores SIGTERM, and has a child of its own: both end with SIGKILL after the grace time.
  ASSERT_TRUE(runtime().create(shell_module("stubborn", "trap '' TERM; sleep 300 & echo $! > child.pid; wait")));
  ASSERT_TRUE(runtime().start("stubborn"));
  const auto child_file = dir_ + "/modules/stubborn/work/child.pid";
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(child_file) && std::filesystem::file_size(child_file) > 0; }, 5s));
  const auto child = std::stoll(outpost::testing::read_file(child_file));
  ASSERT_TRUE(runtime().stop("stubborn", 1s));
  EXPECT_EQ(runtime().status("stubborn")->exit_code, 128 + SIGKILL);
  EXPECT_TRUE(wait_until([&] { return !read_proc_info(child) || read_proc_info(child)->state == 'Z'; }, 5s))
      << "the module's own child is gone too";
}

TEST_F(ProcessRuntimeTest, AModuleInheritsNoneOfTheDaemonsFiles) {
  // A descriptor without close-on-exec, as Asio's listening sockets are.
  const int leaked = ::dup(1);
  ASSERT_GE(leaked, 3);
  ASSERT_TRUE(runtime().create(shell_module("fds", "if [ -e /proc/$$/fd/" + std::to_string(leaked) +
                                                       " ]; then echo inherited; else echo clean; fi")));
  ASSERT_TRUE(runtime().start("fds"));
  ASSERT_TRUE(wait_until([&] { return state_of("fds") != ModuleState::running; }, 5s));
  ::close(leaked);
  EXPECT_EQ(logs_of("fds"), "clean\n");
}

TEST_F(ProcessRuntimeTest, OwnsTheModulesProcessesAndNoOthers) {
  ASSERT_TRUE(runtime().create(shell_module("tree", "sleep 300 & echo $! > child.pid; wait")));
  ASSERT_TRUE(runtime().create(shell_module("other", "sleep 300")));
  ASSERT_TRUE(runtime().start("tree"));
  ASSERT_TRUE(runtime().start("other"));
  const auto child_file = dir_ + "/modules/tree/work/child.pid";
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(child_file) && std::filesystem::file_size(child_file) > 0; }, 5s));
  const auto main_pid = runtime().status("tree")->pid;
  const auto child = std::stoll(outpost::testing::read_file(child_file));
  EXPECT_TRUE(runtime().owns_process("tree", main_pid));
  EXPECT_TRUE(runtime().owns_process("tree", child)) << "a process the module started";
  EXPECT_FALSE(runtime().owns_process("tree", runtime().status("other")->pid));
  EXPECT_FALSE(runtime().owns_process("tree", ::getpid())) << "the daemon itself";
  EXPECT_FALSE(runtime().owns_process("missing", main_pid));
}

TEST_F(ProcessRuntimeTest, CreateOptionsEntrypointEnvAndWorkingDirAreHonoured) {
  ModuleSpec spec;
  spec.name = "opts";
  spec.image = "process:///bin/false";
  spec.env = {{"A", "from-spec"}, {"B", "from-spec"}, {"C", "from-spec"}};
  // A bare "C" (as real manifests have it) unsets C, as Docker takes it.
  spec.create_options = {{"Entrypoint", {"/bin/sh", "-c"}},
                         {"Cmd", {"echo $A $B ${C-unset} $PWD"}},
                         {"Env", {"B=from-options", "C"}},
                         {"WorkingDir", "/tmp"},
                         {"HostConfig", {{"Privileged", false}}}};
  ASSERT_TRUE(runtime().create(spec));
  ASSERT_TRUE(runtime().start("opts"));
  ASSERT_TRUE(wait_until([&] { return state_of("opts") != ModuleState::running; }, 5s));
  EXPECT_EQ(logs_of("opts"), "from-spec from-options unset /tmp\n") << "createOptions.Env wins a clash";
}

TEST_F(ProcessRuntimeTest, ImagesThatAreNotProgramsAndBadNamesAreRefused) {
  auto spec = shell_module("x", "true");
  spec.image = "mcr.microsoft.com/azureiotedge-hub:1.4";
  const auto not_a_program = runtime().create(spec);
  ASSERT_FALSE(not_a_program);
  EXPECT_NE(not_a_program.error().find("images table"), std::string::npos) << not_a_program.error();
  EXPECT_FALSE(runtime().create(shell_module("../escape", "true")));
  EXPECT_FALSE(runtime().create(shell_module("", "true")));
  ASSERT_TRUE(runtime().create(shell_module("twice", "true")));
  EXPECT_FALSE(runtime().create(shell_module("twice", "true"))) << "remove it first";
  spec = shell_module("missing", "true");
  spec.image = "process:///no/such/program";
  EXPECT_EQ(runtime().prepare(spec).error_kind(), ErrorKind::not_found) << "prepare (before an update) checks the program";
  EXPECT_TRUE(runtime().prepare(shell_module("fine", "true")));
  ASSERT_TRUE(runtime().create(spec));
  const auto started = runtime().start("missing");
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().find("No such file or directory"), std::string::npos) << started.error();
  EXPECT_EQ(state_of("missing"), ModuleState::failed);
  EXPECT_EQ(runtime().status("nothing").error_kind(), ErrorKind::not_found);
}

TEST_F(ProcessRuntimeTest, ARestartedRuntimeAdoptsRunningModulesAndNeverStartsThemTwice) {
  ASSERT_TRUE(runtime().create(shell_module("long", "echo started; sleep 300")));
  ASSERT_TRUE(runtime().create(shell_module("short", "sleep 0.2")));
  ASSERT_TRUE(runtime().start("long"));
  ASSERT_TRUE(runtime().start("short"));
  const auto pid = runtime().status("long")->pid;
  const auto short_pid = runtime().status("short")->pid;
  runtime_.reset();  // the daemon goes away; its modules do not
  ASSERT_TRUE(wait_until([&] { return !read_proc_info(short_pid) || read_proc_info(short_pid)->state == 'Z'; }, 5s));

  EXPECT_EQ(state_of("long"), ModuleState::running);
  EXPECT_EQ(runtime().status("long")->pid, pid) << "adopted, not started again";
  ASSERT_TRUE(runtime().start("long"));
  EXPECT_EQ(runtime().status("long")->pid, pid) << "start on a running module is a no-op";
  EXPECT_EQ(state_of("short"), ModuleState::failed);
  EXPECT_EQ(runtime().status("short")->description, "exited while outpostd was not running (exit code unknown)");
  EXPECT_EQ(logs_of("long"), "started\n") << "output written before the restart is still served";
  ASSERT_TRUE(runtime().stop("long", 2s)) << "an adopted module can be stopped";
  EXPECT_FALSE(read_proc_info(pid) && read_proc_info(pid)->state != 'Z');
}

TEST_F(ProcessRuntimeTest, LogsAreCappedAndServeTailAndTimestamps) {
  ASSERT_TRUE(runtime().create(shell_module("chatty", "i=0; while [ $i -lt 400 ]; do echo line-$i; i=$((i+1)); done")));
  ASSERT_TRUE(runtime().start("chatty"));
  ASSERT_TRUE(wait_until([&] { return state_of("chatty") != ModuleState::running; }, 5s));
  const auto all = logs_of("chatty");
  EXPECT_NE(all.find("line-399\n"), std::string::npos);
  EXPECT_EQ(all.find("line-0\n"), std::string::npos) << "the oldest lines went with the cap (2 files of 4 KiB)";
  LogOptions tail;
  tail.tail = 2;
  EXPECT_EQ(logs_of("chatty", tail), "line-398\nline-399\n");
  tail.timestamps = true;
  const auto stamped = logs_of("chatty", tail);
  EXPECT_EQ(stamped.substr(stamped.find(' ') + 1, 9), "line-398\n");
  EXPECT_EQ(stamped[4], '-') << "an RFC 3339 time first: " << stamped;
  std::uint64_t bytes = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir_ + "/modules/chatty"))
    if (f.path().filename().string().rfind("output.log", 0) == 0) bytes += f.file_size();
  EXPECT_LE(bytes, 2u * 4096) << "two files of at most 4 KiB";
  ASSERT_TRUE(runtime().remove("chatty"));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/modules/chatty"));
  EXPECT_EQ(runtime().status("chatty").error_kind(), ErrorKind::not_found);
}

}  // namespace
}  // namespace outpost::runtime

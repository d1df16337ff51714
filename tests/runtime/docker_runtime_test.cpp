// The Docker runtime against a real dockerd (started by scripts/start-dockerd where none
// runs; the test skips, saying why, only where it cannot start). The image is built here
// FROM scratch with Debian's static busybox: no registry is reachable.
#include "outpost/runtime/docker_runtime.h"

#include <algorithm>

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "support/docker_images.h"
#include "support/mqtt_test_client.h"
#include "support/process.h"

namespace outpost::runtime {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using outpost::testing::run_command;
using outpost::testing::wait_until;

constexpr const char* kImage = "outpost-test/busybox:latest";
const std::string kPrefix = "outpost-test-" + std::to_string(::getpid()) + "-";

class DockerRuntimeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    skip_reason_ = outpost::testing::ensure_docker_engine();
    if (skip_reason_.empty()) skip_reason_ = outpost::testing::build_test_image(kImage);
  }
  static void TearDownTestSuite() {
    if (!skip_reason_.empty()) return;
    const auto listed = run_command({"docker", "ps", "-aq", "--filter", "name=" + kPrefix}, 30s);
    std::istringstream ids(listed.output);
    for (std::string id; ids >> id;) run_command({"docker", "rm", "-f", id}, 30s);
    run_command({"docker", "network", "rm", kPrefix + "net"}, 30s);
  }
  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << "SKIPPED LOUDLY: " << skip_reason_;
  }

  ModuleSpec busybox(const std::string& name, const std::string& script, json extra = json::object()) {
    ModuleSpec spec;
    spec.name = kPrefix + name;
    spec.image = kImage;
    spec.image_pull_policy = "never";
    spec.env = {{"GREETING", "hello"}};
    spec.labels = {{"net.azure-devices.edge.owner", "Microsoft.Azure.Devices.Edge.Agent"}};
    spec.create_options = std::move(extra);
    spec.create_options["Cmd"] = json::array({"/bin/sh", "-c", script});
    return spec;
  }
  ModuleState state_of(const std::string& name) {
    const auto s = runtime_.status(kPrefix + name);
    return s ? s->state : ModuleState::unknown;
  }

  static inline std::string skip_reason_;
  DockerRuntime runtime_{DockerRuntimeOptions{"/var/run/docker.sock", kPrefix + "net", std::chrono::seconds(60), kPrefix}};
};

TEST_F(DockerRuntimeTest, AContainerIsCreatedStartedWatchedLoggedStoppedAndRemoved) {
  ASSERT_TRUE(DockerRuntime::engine_answers("/var/run/docker.sock"));
  const auto spec = busybox("life", "echo $GREETING; trap 'echo bye; exit 0' TERM; while :; do /bin/busybox sleep 0.1; done");
  const auto created = runtime_.create(spec);
  ASSERT_TRUE(created) << created.error();
  EXPECT_EQ(state_of("life"), ModuleState::stopped) << "created, not started";
  const auto back = runtime_.spec(spec.name);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->image, spec.image);
  EXPECT_EQ(back->create_options, spec.create_options) << "what was asked for comes back";

  ASSERT_TRUE(runtime_.start(spec.name));
  EXPECT_EQ(state_of("life"), ModuleState::running);
  const auto pid = runtime_.status(spec.name)->pid;
  EXPECT_GT(pid, 0);
  EXPECT_TRUE(runtime_.owns_process(spec.name, pid)) << "the container's process, by docker top";
  EXPECT_FALSE(runtime_.owns_process(spec.name, ::getpid()));
  ASSERT_TRUE(wait_until([&] { return runtime_.logs(spec.name, {}).value_or("") == "hello\n"; }, 10s))
      << runtime_.logs(spec.name, {}).value_or("(no logs)");
  const auto listed = runtime_.list();
  ASSERT_TRUE(listed);
  EXPECT_TRUE(std::any_of(listed->begin(), listed->end(), [&](const ModuleStatus& s) { return s.name == spec.name; }));

  ASSERT_TRUE(runtime_.stop(spec.name, 10s));
  const auto stopped = runtime_.status(spec.name);
  EXPECT_EQ(stopped->state, ModuleState::stopped) << stopped->description;
  EXPECT_EQ(stopped->exit_code, 0);
  EXPECT_TRUE(stopped->exit_time);
  EXPECT_EQ(runtime_.logs(spec.name, {}).value_or(""), "hello\nbye\n");
  ASSERT_TRUE(runtime_.remove(spec.name));
  EXPECT_EQ(runtime_.status(spec.name).error_kind(), ErrorKind::not_found);
}

TEST_F(DockerRuntimeTest, ContainersWithoutTheOwnerLabelAreNeverTouched) {
  const auto name = kPrefix + "foreign";
  ASSERT_EQ(run_command({"docker", "create", "--name", name, kImage, "/bin/sh", "-c", "exit 0"}, 30s).status, 0);
  EXPECT_EQ(runtime_.status(name).error_kind(), ErrorKind::not_found);
  EXPECT_FALSE(runtime_.remove(name));
  EXPECT_FALSE(runtime_.start(name));
  EXPECT_EQ(run_command({"docker", "inspect", "-f", "{{.State.Status}}", name}, 30s).output, "created\n")
      << "still there, untouched";
}

TEST_F(DockerRuntimeTest, AnotherOutpostDeviceOnTheSameEngineNeitherSeesNorTouchesOurModules) {
  const auto spec = busybox("mine", "sleep 30");
  ASSERT_TRUE(runtime_.create(spec));
  DockerRuntime other{DockerRuntimeOptions{"/var/run/docker.sock", kPrefix + "net", std::chrono::seconds(60), kPrefix + "other"}};
  const auto listed = other.list();
  ASSERT_TRUE(listed) << listed.error();
  for (const auto& m : *listed) EXPECT_NE(m.name, spec.name) << "listed by another device";
  EXPECT_EQ(other.status(spec.name).error_kind(), ErrorKind::not_found);
  EXPECT_FALSE(other.remove(spec.name));
  const auto ours = runtime_.list();
  ASSERT_TRUE(ours) << ours.error();
  EXPECT_TRUE(std::any_of(ours->begin(), ours->end(), [&](const auto& m) { return m.name == spec.name; }));
  EXPECT_TRUE(runtime_.remove(spec.name));
}

TEST_F(DockerRuntimeTest, AFailedPullOfALocalImageIsAWarningAndAMissingImageAnError) {
  auto spec = busybox("offline", "exit 0");
  spec.image_pull_policy = "on-create";  // no registry is reachable: the pull fails
  const auto created = runtime_.create(spec);
  EXPECT_TRUE(created) << "the image is on the device: " << created.error();
  EXPECT_TRUE(runtime_.prepare(spec)) << "prepareupdate: the same rule";
  spec = busybox("missing", "exit 0");
  spec.image = "outpost-test/not-built-anywhere:1.0";
  spec.image_pull_policy = "on-create";
  EXPECT_FALSE(runtime_.prepare(spec)) << "prepareupdate: nothing to pull, nothing on the device";
  const auto missing = runtime_.create(spec);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("is not on this device and cannot be pulled"), std::string::npos) << missing.error();
}

TEST_F(DockerRuntimeTest, AFailingHealthCheckShowsAsUnhealthy) {
  const auto spec = busybox("sick", "while :; do /bin/busybox sleep 1; done",
                            {{"Healthcheck", {{"Test", {"CMD", "/bin/busybox", "false"}},
                                              {"Interval", 200'000'000},
                                              {"Retries", 1}}}});
  ASSERT_TRUE(runtime_.create(spec));
  ASSERT_TRUE(runtime_.start(spec.name));
  EXPECT_TRUE(wait_until([&] { return state_of("sick") == ModuleState::unhealthy; }, 20s))
      << "state " << to_string(state_of("sick"));
  EXPECT_TRUE(runtime_.remove(spec.name)) << "removing a running container stops it";
}

TEST_F(DockerRuntimeTest, ANonZeroExitIsFailedWithItsCode) {
  const auto spec = busybox("crash", "exit 3");
  ASSERT_TRUE(runtime_.create(spec));
  ASSERT_TRUE(runtime_.start(spec.name));
  ASSERT_TRUE(wait_until([&] { return state_of("crash") == ModuleState::failed; }, 10s)) << to_string(state_of("crash"));
  EXPECT_EQ(runtime_.status(spec.name)->exit_code, 3);
}

}  // namespace
}  // namespace outpost::runtime

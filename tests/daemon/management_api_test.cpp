// The management API driven in process with a real process runtime: IoT Edge's shapes for
// modules and identities, only the agent (by PID) changes modules, logs in Docker's framing,
// and the documented errors.
#include "management_api.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "log_follower.h"
#include "outpost/runtime/process_runtime.h"
#include "support/api_request.h"
#include "support/mqtt_test_client.h"
#include "support/process.h"

namespace outpost::daemon {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using outpost::testing::wait_until;

constexpr const char* kV = "?api-version=2020-07-07";

json shell_spec(const std::string& name, const std::string& script) {
  return {{"name", name},
          {"type", "docker"},
          {"config",
           {{"settings", {{"image", "contoso/" + name + ":1.0"}, {"createOptions", {{"Cmd", {"-c", script}}}}}},
            {"env", {{{"key", "GREETING"}, {"value", "hello"}}}}}},
          {"imagePullPolicy", "on-create"}};
}

class DaemonManagementApiTest : public ::testing::Test {
 protected:
  DaemonManagementApiTest()
      : dir_(outpost::testing::make_temp_dir("outpost-mgmt")),
        runtime_(runtime::ProcessRuntimeOptions{dir_ + "/modules"}),
        identities_(*IdentityStore::open(dir_ + "/identities.json")) {
    worker_ = std::make_unique<RuntimeWorker>(loop_);
    api_ = std::make_unique<ManagementApi>(
        ManagementSettings{"edgeAgent", "local", "9.9.9", 2s}, *worker_, runtime_, identities_,
        [this](const RequestedModule& requested, const StoredIdentity& identity) -> Result<runtime::ModuleSpec> {
          prepared_.push_back(identity.module_id);
          runtime::ModuleSpec spec;
          spec.name = requested.name;
          spec.image = "process:///bin/sh";  // what the images table would map contoso/* to
          spec.create_options = requested.create_options;
          spec.env = requested.env;
          spec.labels = request_labels(requested);
          return spec;
        },
        [this](const std::string& name) { released_.push_back(name); });
    // The agent: a process the runtime runs, whose PID the tests' requests carry.
    runtime::ModuleSpec agent;
    agent.name = "edgeAgent";
    agent.image = "process:///bin/sleep";
    agent.create_options = {{"Cmd", {"300"}}};
    EXPECT_TRUE(runtime_.create(agent));
    EXPECT_TRUE(runtime_.start("edgeAgent"));
    agent_pid_ = runtime_.status("edgeAgent")->pid;
  }
  ~DaemonManagementApiTest() override {
    worker_->stop();
    for (const auto& name : {"edgeAgent", "edgeHub", "filter", "sensor"}) (void)runtime_.stop(name, 1s);
    std::filesystem::remove_all(dir_);
  }

  net::HttpResponse call(const std::string& method, const std::string& target, const json& body = nullptr,
                         std::optional<std::int64_t> pid = std::nullopt) {
    auto r = outpost::testing::api_request(method, target, body, pid.value_or(agent_pid_));
    std::optional<net::HttpResponse> got;
    api_->handle(std::move(r), net::HttpResponder::to_callback(loop_, [&](net::HttpResponse x) { got = std::move(x); }));
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!got && std::chrono::steady_clock::now() < deadline) {
      if (loop_.poll() == 0) std::this_thread::sleep_for(1ms);  // the worker answers from its thread
    }
    EXPECT_TRUE(got) << method << " " << target << ": no response";
    return got.value_or(net::HttpResponse{});
  }
  static json body_of(const net::HttpResponse& r) { return json::parse(r.body); }
  std::string state_of(const std::string& name) {
    return body_of(call("GET", "/modules/" + name + kV))["status"]["runtimeStatus"]["status"];
  }

  std::string dir_;
  net::EventLoop loop_;
  runtime::ProcessRuntime runtime_;
  IdentityStore identities_;
  std::unique_ptr<RuntimeWorker> worker_;
  std::unique_ptr<ManagementApi> api_;
  std::int64_t agent_pid_ = 0;
  std::vector<std::string> prepared_, released_;
};

TEST_F(DaemonManagementApiTest, TheAgentCreatesStartsAndReadsBackAModuleAsItAskedForIt) {
  const auto created = call("POST", std::string("/modules") + kV, shell_spec("filter", "echo $GREETING; sleep 300"));
  ASSERT_EQ(created.status, 201) << created.body;
  const auto details = body_of(created);
  EXPECT_EQ(details["name"], "filter");
  EXPECT_EQ(details["type"], "docker");
  EXPECT_EQ(details["config"]["settings"]["image"], "contoso/filter:1.0") << "the image as the manifest names it";
  EXPECT_EQ(details["config"]["env"], json::parse(R"([{"key":"GREETING","value":"hello"}])"));
  EXPECT_EQ(details["status"]["runtimeStatus"]["status"], "stopped") << "created stopped";
  EXPECT_EQ(prepared_, std::vector<std::string>{"filter"}) << "an identity was made for it";

  EXPECT_EQ(call("POST", std::string("/modules/filter/start") + kV).status, 204);
  EXPECT_EQ(state_of("filter"), "running");
  const auto listed = body_of(call("GET", std::string("/modules") + kV));
  ASSERT_EQ(listed["modules"].size(), 2u) << listed;
  ASSERT_TRUE(wait_until([&] { return call("GET", std::string("/modules/filter/logs") + kV).body.size() > 8; }, 5s));
  const auto logs = call("GET", std::string("/modules/filter/logs") + kV + "&tail=1");
  EXPECT_EQ(logs.body, std::string("\x01\x00\x00\x00\x00\x00\x00\x06hello\n", 14)) << "Docker's framing";

  EXPECT_EQ(call("POST", std::string("/modules/filter/restart") + kV).status, 204);
  EXPECT_EQ(call("POST", std::string("/modules/filter/stop") + kV).status, 204);
  const auto stopped = body_of(call("GET", std::string("/modules/filter") + kV));
  EXPECT_NE(stopped["status"]["runtimeStatus"]["status"], "running");
  EXPECT_TRUE(stopped["status"].contains("exitStatus")) << stopped;
  EXPECT_EQ(call("DELETE", std::string("/modules/filter") + kV).status, 204);
  EXPECT_EQ(released_, std::vector<std::string>{"filter"}) << "its socket is closed";
  EXPECT_EQ(call("GET", std::string("/modules/filter") + kV).status, 404);
}

TEST_F(DaemonManagementApiTest, EdgeHubAndTheAgentActAsTheirSystemIdentities) {
  ASSERT_EQ(call("POST", std::string("/modules") + kV, shell_spec("edgeHub", "sleep 300")).status, 201);
  EXPECT_EQ(prepared_, std::vector<std::string>{"$edgeHub"}) << "not an identity named edgeHub";
  EXPECT_EQ(call("POST", std::string("/modules/edgeAgent/prepareupdate") + kV, shell_spec("edgeAgent", "true")).status, 204);
  EXPECT_EQ(prepared_, (std::vector<std::string>{"$edgeHub", "$edgeAgent"}));
  EXPECT_FALSE(identities_.find("edgeHub"));
}

TEST_F(DaemonManagementApiTest, OnlyTheAgentChangesModulesAndIdentities) {
  const std::int64_t stranger = ::getpid();
  EXPECT_EQ(call("POST", std::string("/modules") + kV, shell_spec("filter", "true"), stranger).status, 403);
  EXPECT_EQ(call("PUT", std::string("/modules/edgeAgent") + kV, shell_spec("edgeAgent", "true"), stranger).status, 403);
  EXPECT_EQ(call("DELETE", std::string("/modules/edgeAgent") + kV, nullptr, stranger).status, 403);
  EXPECT_EQ(call("POST", std::string("/identities") + kV, json{{"moduleId", "x"}}, stranger).status, 403);
  EXPECT_EQ(state_of("edgeAgent"), "running") << "nothing was changed";
  EXPECT_EQ(call("GET", std::string("/modules") + kV, nullptr, stranger).status, 200) << "reading is open";
  EXPECT_EQ(call("GET", std::string("/systeminfo") + kV, nullptr, stranger).status, 200);
}

TEST_F(DaemonManagementApiTest, UpdateReplacesTheModuleAndStartsItWhenAsked) {
  ASSERT_EQ(call("POST", std::string("/modules") + kV, shell_spec("sensor", "sleep 300")).status, 201);
  auto spec = shell_spec("sensor", "echo v2; sleep 300");
  spec["config"]["settings"]["image"] = "contoso/sensor:2.0";
  const auto updated = call("PUT", std::string("/modules/sensor") + kV + "&start=true", spec);
  ASSERT_EQ(updated.status, 201) << updated.body;
  EXPECT_EQ(body_of(updated)["config"]["settings"]["image"], "contoso/sensor:2.0");
  EXPECT_EQ(state_of("sensor"), "running");
  EXPECT_EQ(call("PUT", std::string("/modules/other") + kV, spec).status, 400) << "the body names another module";
}

TEST_F(DaemonManagementApiTest, PrepareUpdateGetsWhatTheUpdateNeedsAndLeavesTheModuleAlone) {
  const auto spec = shell_spec("edgeAgent", "true");
  EXPECT_EQ(call("POST", std::string("/modules/edgeAgent/prepareupdate") + kV, spec).status, 204);
  EXPECT_EQ(state_of("edgeAgent"), "running") << "untouched";
  EXPECT_EQ(call("POST", std::string("/modules/other/prepareupdate") + kV, spec).status, 400) << "names differ";
  EXPECT_EQ(call("POST", "/modules/edgeAgent/prepareupdate?api-version=2018-06-28", spec).status, 400)
      << "needs 2019-01-30";
}

TEST_F(DaemonManagementApiTest, IdentitiesInIotEdgesShape) {
  const auto created = call("POST", std::string("/identities") + kV, json{{"moduleId", "filter"}, {"managedBy", "IotEdge"}});
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(body_of(created)["moduleId"], "filter");
  EXPECT_EQ(body_of(created)["managedBy"], "IotEdge");
  EXPECT_EQ(body_of(created)["authType"], "sas");
  const auto list = body_of(call("GET", std::string("/identities") + kV));
  ASSERT_EQ(list["identities"].size(), 1u);
  EXPECT_EQ(list["identities"][0]["generationId"], body_of(created)["generationId"]);
  EXPECT_EQ(call("DELETE", std::string("/identities/filter") + kV).status, 204);
  EXPECT_EQ(call("DELETE", std::string("/identities/filter") + kV).status, 404);
}

TEST_F(DaemonManagementApiTest, BadRequestsGetTheDocumentedErrors) {
  EXPECT_EQ(body_of(call("GET", "/modules"))["message"], "api-version not specified");
  EXPECT_EQ(call("GET", "/modules?api-version=2000-01-01").status, 400);
  EXPECT_EQ(call("GET", std::string("/nothing") + kV).status, 404);
  EXPECT_EQ(call("POST", std::string("/modules") + kV, std::string("{not json")).status, 400);
  EXPECT_EQ(call("POST", std::string("/modules") + kV, std::string(100000, '[')).status, 400) << "nested 100,000 deep";
  EXPECT_EQ(call("POST", std::string("/modules") + kV, json{{"name", "x"}}).status, 400);
  auto duplicate = shell_spec("dup", "true");
  duplicate["config"]["env"].push_back({{"key", "GREETING"}, {"value", "again"}});
  const auto dup = call("POST", std::string("/modules") + kV, duplicate);
  EXPECT_EQ(dup.status, 400);
  EXPECT_EQ(body_of(dup)["message"], "config.env: duplicate key 'GREETING'");
  EXPECT_EQ(call("POST", std::string("/modules/ghost/start") + kV).status, 404);
  EXPECT_EQ(call("GET", std::string("/modules/ghost/logs") + kV).status, 404);
  EXPECT_EQ(call("GET", std::string("/modules/edgeAgent/logs") + kV + "&tail=lots").status, 400);
  EXPECT_EQ(call("GET", std::string("/modules/edgeAgent/logs") + kV + "&since=yesterday-ish").status, 400);
  EXPECT_EQ(call("GET", "/systeminfo/resources?api-version=2018-06-28").status, 400) << "needs 2019-11-05";
}

TEST_F(DaemonManagementApiTest, SystemInfoAndResources) {
  const auto info = body_of(call("GET", std::string("/systeminfo") + kV));
  EXPECT_EQ(info["osType"], "linux");
  EXPECT_EQ(info["version"], "9.9.9");
  EXPECT_EQ(info["provisioning"]["type"], "local");
  EXPECT_GT(info["cpus"].get<int>(), 0);
  const auto resources = body_of(call("GET", std::string("/systeminfo/resources") + kV));
  EXPECT_GT(resources["total_ram"].get<std::uint64_t>(), 0u);
  EXPECT_TRUE(resources["disks"].is_array());
}

TEST_F(DaemonManagementApiTest, TheSupportBundleIsAZipOfInfoModulesAndLogsWithoutKeys) {
  ASSERT_EQ(call("POST", std::string("/identities") + kV, json{{"moduleId", "filter"}}).status, 200);
  const auto bundle = call("GET", std::string("/systeminfo/supportbundle") + kV + "&since=1d", nullptr, ::getpid());
  ASSERT_EQ(bundle.status, 200) << bundle.body;
  EXPECT_EQ(bundle.body.substr(0, 4), std::string("PK\x03\x04", 4)) << "a zip";
  bool zip_type = false;
  for (const auto& [k, v] : bundle.headers) zip_type = zip_type || (k == "Content-Type" && v == "application/zip");
  EXPECT_TRUE(zip_type);
  for (const auto* name : {"system/info.json", "system/resources.json", "identities.json", "modules.json", "logs/edgeAgent.log"})
    EXPECT_NE(bundle.body.find(name), std::string::npos) << name;
  EXPECT_EQ(call("GET", "/systeminfo/supportbundle?api-version=2019-11-05").status, 400) << "needs 2020-07-07";
}

TEST(LogParameters, LineTimesAsDockerAndTheProcessRuntimeWriteThem) {
  using Time = std::pair<std::int64_t, std::int64_t>;
  EXPECT_EQ(log_line_time("2023-11-14T22:13:20.123000000Z hello"), Time(1700000000, 123000000));
  EXPECT_EQ(log_line_time("2023-11-14T22:13:20.5Z x"), Time(1700000000, 500000000)) << "Docker trims trailing zeros";
  EXPECT_EQ(log_line_time("2023-11-14T22:13:20Z x"), Time(1700000000, 0));
  EXPECT_EQ(log_line_time("no stamp here"), std::nullopt);
}

TEST(LogParameters, TailSinceAndUntilAsIotEdgeTakesThem) {
  bool valid = false;
  EXPECT_EQ(parse_tail("100", valid), 100u);
  EXPECT_TRUE(valid);
  EXPECT_EQ(parse_tail("all", valid), std::nullopt);
  EXPECT_TRUE(valid);
  parse_tail("-1", valid);
  EXPECT_FALSE(valid);
  EXPECT_EQ(parse_log_time("1700000000", 0), 1700000000);
  EXPECT_EQ(parse_log_time("2023-11-14T22:13:20Z", 0), 1700000000);
  EXPECT_EQ(parse_log_time("90m", 10000), 10000 - 5400);
  EXPECT_EQ(parse_log_time("1 day", 100000), 100000 - 86400);
  EXPECT_EQ(parse_log_time("soon", 0), std::nullopt);
  EXPECT_EQ(docker_log_frames("a\nbc\n"), std::string("\x01\0\0\0\0\0\0\x02" "a\n" "\x01\0\0\0\0\0\0\x03" "bc\n", 21));
}

}  // namespace
}  // namespace outpost::daemon

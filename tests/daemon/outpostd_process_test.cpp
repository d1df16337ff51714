// outpostd as operators run it: a real process with the process runtime, booting an "agent"
// (a shell script mapped by the images table) that uses the workload API through its own
// socket with curl. The watchdog restarts it, a restarted daemon adopts it, SIGTERM stops it,
// and no other process can sign as it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "outpost/core/crypto.h"
#include "outpost/core/encoding.h"
#include "outpost/core/json.h"
#include "support/mqtt_test_client.h"
#include "support/process.h"

namespace {

using namespace std::chrono_literals;
using outpost::testing::Process;
using outpost::testing::read_file;
using outpost::testing::wait_until;
using outpost::testing::write_file;

// The agent: signs "hello" as itself and saves what it got, then stays up.
constexpr const char* kAgentScript = R"(#!/bin/sh
sock=${IOTEDGE_WORKLOADURI#unix://}
env | grep -E '^(IOTEDGE_|EdgeDeviceHostName|RuntimeLogLevel)' | sort > env.txt
curl -s --unix-socket "$sock" -X POST -H 'Content-Type: application/json' \
  -d '{"keyId":"primary","algo":"HMACSHA256","data":"aGVsbG8="}' \
  "http://localhost/modules/%24edgeAgent/genid/$IOTEDGE_MODULEGENERATIONID/sign?api-version=2018-06-28" > sign.json.tmp
mv sign.json.tmp sign.json
echo "agent up"
exec sleep 600
)";

// Running, and not an exited process waiting to be reaped (PID 1 of a container may never reap).
bool alive(std::int64_t pid) {
  if (::kill(static_cast<pid_t>(pid), 0) != 0) return false;
  const auto stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  const auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

class OutpostdProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!outpost::testing::have_program("curl")) GTEST_SKIP() << "curl is not installed (scripts/install-deps installs it)";
    dir_ = outpost::testing::make_temp_dir("outpostd-proc");
    write_file(dir_ + "/agent.sh", kAgentScript);
    std::filesystem::permissions(dir_ + "/agent.sh", std::filesystem::perms::owner_all);
    write_config();
  }
  // `more_images`: further images rules, e.g. ", \"a:*\": \"process:///bin/sh\"".
  void write_config(const std::string& more_images = "") {
    write_file(dir_ + "/config.yaml", "provisioning: { source: local }\nhostname: edgegw\nhomedir: " + dir_ + "/home\n" +
                                          "connect: { management_uri: \"unix://" + dir_ + "/run/mgmt.sock\", workload_uri: "
                                          "\"unix://" + dir_ + "/run/workload.sock\" }\n"
                                          "runtime: process\nlog_level: debug\n"
                                          "images: { \"mcr.microsoft.com/azureiotedge-agent:*\": \"process://" + dir_ +
                                          "/agent.sh\"" + more_images + " }\n");
  }
  void TearDown() override {
    daemon_.reset();
    if (!dir_.empty()) outpost::testing::kill_module_processes(dir_ + "/home");  // they outlive a killed daemon
    if (!HasFailure() && !dir_.empty()) std::filesystem::remove_all(dir_);
  }
  void start_daemon() {
    std::filesystem::remove(dir_ + "/ready.json");
    daemon_ = std::make_unique<Process>(
        std::vector<std::string>{outpost::testing::built_binary("outpostd"), "-c", dir_ + "/config.yaml", "--ready-file",
                                 dir_ + "/ready.json"},
        dir_ + "/outpostd-" + std::to_string(++starts_) + ".log");
    ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(dir_ + "/ready.json"); }, 10s))
        << "outpostd did not get ready:\n" << daemon_->log();
  }
  std::int64_t agent_pid() const {
    if (dir_.empty()) return 0;
    const auto file = dir_ + "/home/modules/edgeAgent/module.json";
    if (!std::filesystem::exists(file)) return 0;
    const auto state = outpost::parse_json(read_file(file));
    return state ? outpost::integer_field(*state, "pid", 0) : 0;
  }
  std::string work(const std::string& file) const { return dir_ + "/home/modules/edgeAgent/work/" + file; }

  std::string dir_;
  int starts_ = 0;
  std::unique_ptr<Process> daemon_;
};

TEST_F(OutpostdProcess, BootsTheAgentWhichSignsAsItselfThroughItsOwnSocket) {
  start_daemon();
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(work("sign.json")); }, 10s)) << daemon_->log();
  const auto sign = outpost::parse_json(read_file(work("sign.json")));
  ASSERT_TRUE(sign && sign->contains("digest")) << read_file(work("sign.json"));
  // The digest is HMAC-SHA256 under $edgeAgent's key: derived from the master key and the
  // generation id the daemon gave it.
  const auto env = read_file(work("env.txt"));
  const auto at = env.find("IOTEDGE_MODULEGENERATIONID=") + 27;
  const auto generation = env.substr(at, env.find('\n', at) - at);
  const auto master = read_file(dir_ + "/home/keys/master.key");
  const auto key = outpost::hmac_sha256(master, "$edgeAgent:" + generation + ":primary");
  EXPECT_EQ((*sign)["digest"], outpost::base64_encode(outpost::hmac_sha256(key, "hello")));
  EXPECT_NE(env.find("IOTEDGE_MODULEID=$edgeAgent\n"), std::string::npos) << env;
  EXPECT_NE(env.find("IOTEDGE_WORKLOADURI=unix://" + dir_ + "/home/mnt/edgeAgent.sock\n"), std::string::npos) << env;
  EXPECT_NE(env.find("IOTEDGE_MANAGEMENTURI=unix://" + dir_ + "/run/mgmt.sock\n"), std::string::npos) << env;
  EXPECT_NE(env.find("EdgeDeviceHostName=edgegw\n"), std::string::npos) << env;
  EXPECT_NE(env.find("RuntimeLogLevel=debug\n"), std::string::npos) << env;

  // This test process is not the agent: the agent's socket, and the shared one, refuse it.
  for (const auto& socket : {dir_ + "/home/mnt/edgeAgent.sock", dir_ + "/run/workload.sock"}) {
    const auto other = outpost::testing::run_command(
        {"curl", "-s", "-w", " %{http_code}", "--unix-socket", socket, "-X", "POST", "-H", "Content-Type: application/json",
         "-d", R"({"data":"aGVsbG8="})", "http://localhost/modules/edgeAgent/genid/" + generation + "/sign?api-version=2018-06-28"},
        10s);
    EXPECT_EQ(other.output, R"({"message":"forbidden"} 403)") << socket;
  }
  // An oversize body is refused, and the daemon goes on serving.
  write_file(dir_ + "/big.json", "{\"data\":\"" + std::string(100 * 1024, 'A') + "\"}");
  const auto big = outpost::testing::run_command(
      {"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--unix-socket", dir_ + "/run/workload.sock", "-X", "POST",
       "-H", "Content-Type: application/json", "--data-binary", "@" + dir_ + "/big.json",
       "http://localhost/modules/edgeAgent/genid/" + generation + "/sign?api-version=2018-06-28"},
      10s);
  EXPECT_EQ(big.output, "413") << "the workload API takes 64 KiB at most";
  const auto bundle = outpost::testing::run_command(
      {"curl", "-s", "--unix-socket", dir_ + "/run/workload.sock", "http://localhost/trust-bundle?api-version=2018-06-28"}, 10s);
  const auto parsed = outpost::parse_json(bundle.output);
  ASSERT_TRUE(parsed && parsed->contains("certificate")) << bundle.output;
  EXPECT_EQ((*parsed)["certificate"], read_file(dir_ + "/home/ca/edge-ca.pem")) << "the trust bundle is public: the edge CA";
}

// The agent deploys a module through the management API; that module signs as itself through
// its own socket, and the IOTEDGE_* environment it got names it.
TEST_F(OutpostdProcess, TheAgentDeploysAModuleThatSignsAsItself) {
  write_file(dir_ + "/agent.sh", R"(#!/bin/sh
mgmt=${IOTEDGE_MANAGEMENTURI#unix://}
spec='{"name":"filter","type":"docker","imagePullPolicy":"on-create","config":{"settings":{"image":"contoso/filter:1.0",
 "createOptions":{"Cmd":["-c","sock=${IOTEDGE_WORKLOADURI#unix://}; env | grep ^IOTEDGE_ | sort > env.txt; curl -s --unix-socket $sock -X POST -H Content-Type:application/json -d \"$BODY\" http://localhost/modules/filter/genid/$IOTEDGE_MODULEGENERATIONID/sign?api-version=2018-06-28 > sign.json.tmp; mv sign.json.tmp sign.json; exec sleep 600"]}},
 "env":[{"key":"BODY","value":"{\"data\":\"aGk=\"}"}]}}'
curl -s -w ' %{http_code}\n' --unix-socket "$mgmt" -X POST -H 'Content-Type: application/json' -d "$spec" \
  "http://localhost/modules?api-version=2020-07-07" > create.txt
curl -s -w ' %{http_code}\n' --unix-socket "$mgmt" -X POST "http://localhost/modules/filter/start?api-version=2020-07-07" > start.txt
exec sleep 600
)");
  write_config(", \"contoso/filter:*\": \"process:///bin/sh\"");
  start_daemon();
  const auto filter_work = dir_ + "/home/modules/filter/work/";
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(filter_work + "sign.json"); }, 15s))
      << daemon_->log() << "\ncreate: " << read_file(work("create.txt")) << "\nstart: " << read_file(work("start.txt"));
  EXPECT_NE(read_file(work("create.txt")).find(" 201"), std::string::npos) << read_file(work("create.txt"));
  const auto env = read_file(filter_work + "env.txt");
  EXPECT_NE(env.find("IOTEDGE_MODULEID=filter\n"), std::string::npos) << env;
  EXPECT_NE(env.find("IOTEDGE_WORKLOADURI=unix://" + dir_ + "/home/mnt/filter.sock\n"), std::string::npos) << env;
  EXPECT_NE(env.find("IOTEDGE_GATEWAYHOSTNAME=edgegw\n"), std::string::npos) << env;
  const auto at = env.find("IOTEDGE_MODULEGENERATIONID=") + 27;
  const auto generation = env.substr(at, env.find('\n', at) - at);
  const auto key = outpost::hmac_sha256(read_file(dir_ + "/home/keys/master.key"), "filter:" + generation + ":primary");
  const auto sign = outpost::parse_json(read_file(filter_work + "sign.json"));
  ASSERT_TRUE(sign && sign->contains("digest")) << read_file(filter_work + "sign.json");
  EXPECT_EQ((*sign)["digest"], outpost::base64_encode(outpost::hmac_sha256(key, "hi")));

  // This test is neither the agent nor filter: it cannot deploy, and filter's socket refuses it.
  const auto stranger = outpost::testing::run_command(
      {"curl", "-s", "-w", " %{http_code}", "--unix-socket", dir_ + "/run/mgmt.sock", "-X", "DELETE",
       "http://localhost/modules/filter?api-version=2020-07-07"},
      10s);
  EXPECT_EQ(stranger.output, R"({"message":"forbidden"} 403)");
}

// Frames of Docker's log stream -> the text they carry.
std::string unframe(const std::string& stream) {
  std::string out;
  for (std::size_t at = 0; at + 8 <= stream.size();) {
    const auto length = (std::size_t{static_cast<unsigned char>(stream[at + 4])} << 24) |
                        (std::size_t{static_cast<unsigned char>(stream[at + 5])} << 16) |
                        (std::size_t{static_cast<unsigned char>(stream[at + 6])} << 8) |
                        std::size_t{static_cast<unsigned char>(stream[at + 7])};
    out.append(stream, at + 8, length);
    at += 8 + length;
  }
  return out;
}

TEST_F(OutpostdProcess, LogsFollowedArriveOnceAndInOrder) {
  write_file(dir_ + "/agent.sh", "#!/bin/sh\ni=0\nwhile :; do echo tick-$i; i=$((i+1)); sleep 0.1; done\n");
  start_daemon();
  const auto logs_url = "http://localhost/modules/edgeAgent/logs?api-version=2020-07-07";
  ASSERT_TRUE(wait_until([&] {
    return unframe(outpost::testing::run_command({"curl", "-s", "--unix-socket", dir_ + "/run/mgmt.sock", logs_url}, 10s).output)
               .find("tick-3\n") != std::string::npos;
  }, 10s));
  // Followed for 2.5 s from the last line on: the lines written meanwhile arrive, each once.
  const auto followed = outpost::testing::run_command(
      {"curl", "-s", "-N", "--max-time", "2.5", "--unix-socket", dir_ + "/run/mgmt.sock",
       std::string(logs_url) + "&follow=true&tail=1"},
      10s);
  std::istringstream lines(unframe(followed.output));
  std::vector<int> ticks;
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("tick-", 0) == 0) ticks.push_back(std::stoi(line.substr(5)));
  ASSERT_GE(ticks.size(), 10u) << "lines written while following arrive: " << unframe(followed.output);
  for (std::size_t i = 1; i < ticks.size(); ++i) EXPECT_EQ(ticks[i], ticks[i - 1] + 1) << "once each, in order";
  const auto missing = outpost::testing::run_command(
      {"curl", "-s", "-w", " %{http_code}", "--max-time", "5", "--unix-socket", dir_ + "/run/mgmt.sock",
       "http://localhost/modules/ghost/logs?api-version=2020-07-07&follow=true"},
      10s);
  EXPECT_EQ(missing.output.substr(missing.output.size() - 3), "404");
}

TEST_F(OutpostdProcess, TheWatchdogRestartsAKilledAgentAndARestartedDaemonAdoptsIt) {
  start_daemon();
  ASSERT_TRUE(wait_until([&] { return agent_pid() > 0; }, 10s)) << daemon_->log();
  const auto first = agent_pid();
  ::kill(-static_cast<pid_t>(first), SIGKILL);
  ASSERT_TRUE(wait_until([&] { return agent_pid() > 0 && agent_pid() != first; }, 10s))
      << "the watchdog starts the agent again:\n" << daemon_->log();
  const auto second = agent_pid();

  daemon_->kill_hard();  // outpostd dies; its agent does not
  EXPECT_TRUE(alive(second)) << "the agent survives the daemon";
  start_daemon();
  ASSERT_TRUE(wait_until([&] { return daemon_->log().find("adopted module 'edgeAgent'") != std::string::npos; }, 10s))
      << daemon_->log();
  EXPECT_EQ(agent_pid(), second) << "adopted, not started twice";
  EXPECT_EQ(daemon_->log().find("started module 'edgeAgent'"), std::string::npos) << daemon_->log();
  const auto sign = outpost::testing::run_command(
      {"curl", "-s", "--unix-socket", dir_ + "/home/mnt/edgeAgent.sock", "http://localhost/trust-bundle?api-version=2018-06-28"},
      10s);
  EXPECT_NE(sign.output.find("BEGIN CERTIFICATE"), std::string::npos) << "the adopted agent's socket is served again";

  daemon_->signal(SIGTERM);
  EXPECT_EQ(daemon_->wait(40s), 0) << daemon_->log();
  EXPECT_FALSE(alive(second)) << "SIGTERM stops the agent, then the daemon";
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/run/workload.sock")) << "sockets are removed on stop";
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/home/mnt/edgeAgent.sock"));
}

// Type=notify: systemd hears READY=1 once the sockets are bound (sd_notify to $NOTIFY_SOCKET).
TEST_F(OutpostdProcess, SystemdIsToldWhenTheSocketsAreReady) {
  const auto path = dir_ + "/notify.sock";
  const int sock = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(sock, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  ASSERT_EQ(::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  timeval timeout{10, 0};
  ::setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  Process daemon({outpost::testing::built_binary("outpostd"), "-c", dir_ + "/config.yaml"}, dir_ + "/notify.log",
                 {{"NOTIFY_SOCKET", path}});
  char message[512] = {};
  const auto n = ::recv(sock, message, sizeof message - 1, 0);
  ::close(sock);
  ASSERT_GT(n, 0) << "no notification within 10 s:\n" << daemon.log();
  EXPECT_EQ(std::string(message).rfind("READY=1\n", 0), 0u) << message;
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/run/workload.sock")) << "ready means the sockets are bound";
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/run/mgmt.sock"));
}

TEST_F(OutpostdProcess, ABadConfigStopsTheStartWithFileLineAndKey) {
  write_file(dir_ + "/bad.yaml", "provisioning: { source: dps }\nhomedir: " + dir_ + "/home\nruntime: kubernetes\n");
  Process daemon({outpost::testing::built_binary("outpostd"), "-c", dir_ + "/bad.yaml"}, dir_ + "/bad.log");
  EXPECT_EQ(daemon.wait(10s), 1);
  const auto log = daemon.log();
  EXPECT_NE(log.find("bad.yaml:1:25: provisioning.source: 'dps' is not supported"), std::string::npos) << log;
  EXPECT_NE(log.find("bad.yaml:3:10: runtime: expected process or docker"), std::string::npos) << log;
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/home")) << "nothing was started";
}

}  // namespace

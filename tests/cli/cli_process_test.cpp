// The outpost binary's `system`, `config`, `version` and `--help`, as an operator runs them.
// There is no systemd here: OUTPOST_SYSTEMCTL and OUTPOST_JOURNALCTL point at fake scripts
// that write down their arguments and answer as systemd would (a running unit, a missing
// one, no systemd as PID 1, a refused restart); outpostd is started by hand where the
// management API must answer.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "support/mqtt_test_client.h"
#include "support/process.h"

namespace {

using namespace std::chrono_literals;
using outpost::testing::built_binary;
using outpost::testing::CommandResult;
using outpost::testing::Process;
using outpost::testing::read_file;
using outpost::testing::write_file;

constexpr const char* kShowArgs = "[show][outpostd][--property=LoadState,ActiveState,SubState,Result,MainPID]\n";
constexpr const char* kRunning = "LoadState=loaded\nActiveState=active\nSubState=running\nResult=success\nMainPID=4242\n";
constexpr const char* kNoSystemd = "System has not been booted with systemd as init system (PID 1). Can't operate.\n";

unsigned mode_of(const std::string& file) {
  struct stat st {};
  return ::stat(file.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0;
}

class CliProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = outpost::testing::make_temp_dir("outpost-cli-proc");
    // Each fake appends one line per call: its arguments, each in brackets.
    write_fake("systemctl",
               "case \"$1\" in\n"
               "  show) cat \"$d/show.txt\"; exit $(cat \"$d/show.exit\" 2>/dev/null || echo 0) ;;\n"
               "  restart) cat \"$d/restart.out\" 2>/dev/null; exit $(cat \"$d/restart.exit\" 2>/dev/null || echo 0) ;;\n"
               "esac\nexit 64\n");
    write_fake("journalctl", "echo \"Dec 04 12:00:00 edge outpostd[4242]: outpostd: ready\"\n"
                             "exit $(cat \"$d/journalctl.exit\" 2>/dev/null || echo 0)\n");
    systemd_says(kRunning);
    env_ = {{"OUTPOST_SYSTEMCTL", dir_ + "/systemctl"}, {"OUTPOST_JOURNALCTL", dir_ + "/journalctl"}};
    write_file(dir_ + "/config.yaml", config_yaml());
  }
  void TearDown() override {
    daemon_.reset();
    if (!dir_.empty()) outpost::testing::kill_module_processes(dir_ + "/home");
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }
  void write_fake(const std::string& name, const std::string& body) {
    const auto file = dir_ + "/" + name;
    write_file(file, "#!/bin/sh\nd=$(dirname \"$0\")\nprintf '[%s]' \"$@\" >> \"$d/" + name + ".calls\"\necho >> \"$d/" +
                         name + ".calls\"\n" + body);
    std::filesystem::permissions(file, std::filesystem::perms::owner_all);
  }
  void systemd_says(const std::string& show, int exit_code = 0) {
    write_file(dir_ + "/show.txt", show);
    write_file(dir_ + "/show.exit", std::to_string(exit_code) + "\n");
  }
  std::string calls(const std::string& fake) const {
    return std::filesystem::exists(dir_ + "/" + fake + ".calls") ? read_file(dir_ + "/" + fake + ".calls") : "";
  }
  std::string mgmt_uri() const { return "unix://" + dir_ + "/run/mgmt.sock"; }
  // provisioning: local, the process runtime; the agent is a shell that sleeps.
  std::string config_yaml() const {
    return "provisioning: { source: local, device_id: edge1, iothub_hostname: hub.local }\nhostname: edgegw\n"
           "homedir: " + dir_ + "/home\n"
           "connect: { management_uri: \"" + mgmt_uri() + "\", workload_uri: \"unix://" + dir_ + "/run/workload.sock\" }\n"
           "runtime: process\n"
           "agent: { name: edgeAgent, type: docker, config: { image: \"test/agent:1.0\", "
           "createOptions: { Cmd: [\"-c\", \"exec sleep 600\"] } } }\n"
           "images: { \"test/agent:*\": \"process:///bin/sh\" }\n";
  }
  void start_daemon() {
    daemon_ = std::make_unique<Process>(
        std::vector<std::string>{built_binary("outpostd"), "-c", dir_ + "/config.yaml", "--ready-file", dir_ + "/ready.json"},
        dir_ + "/outpostd.log");
    ASSERT_TRUE(outpost::testing::wait_until([&] { return std::filesystem::exists(dir_ + "/ready.json"); }, 10s))
        << daemon_->log();
  }
  CommandResult cli(std::vector<std::string> args, const std::string& program = "outpost") const {
    args.insert(args.begin(), built_binary(program));
    return outpost::testing::run_command(args, 20s, env_);
  }
  // stdout alone (run_command gives stdout and stderr together).
  std::string cli_stdout(const std::string& args) const {
    return outpost::testing::run_command({"sh", "-c", "'" + built_binary("outpost") + "' " + args + " 2>/dev/null"}, 20s, env_)
        .output;
  }

  std::string dir_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<Process> daemon_;
};

TEST_F(CliProcess, SystemStatusUnderSystemdWithTheManagementApiAnswering) {
  start_daemon();
  const auto status = cli({"system", "status", "-H", mgmt_uri()});
  EXPECT_EQ(status.status, 0) << status.output;
  EXPECT_EQ(calls("systemctl"), kShowArgs);
  EXPECT_NE(status.output.find("System services:\n    outpostd                Running\n"), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("Management API: outpostd "), std::string::npos) << status.output;
  EXPECT_NE(status.output.find(" answers on " + mgmt_uri() + "\n"), std::string::npos) << status.output;
  EXPECT_EQ(status.output.find("not as the systemd service"), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("Use 'outpost system logs'"), std::string::npos) << status.output;
  // iotedge's hints name iotedge; IOTEDGE_HOST is honoured as -H is.
  auto env = env_;
  env["IOTEDGE_HOST"] = mgmt_uri();
  const auto as_iotedge = outpost::testing::run_command({built_binary("iotedge"), "system", "status"}, 20s, env);
  EXPECT_EQ(as_iotedge.status, 0) << as_iotedge.output;
  EXPECT_NE(as_iotedge.output.find("Use 'iotedge check'"), std::string::npos) << as_iotedge.output;
}

TEST_F(CliProcess, SystemStatusSaysSoWhenOutpostdWasStartedByHand) {
  start_daemon();
  systemd_says(kNoSystemd, 1);
  const auto status = cli({"system", "status", "--config", dir_ + "/config.yaml"});
  EXPECT_EQ(status.status, 0) << "outpostd answers: " << status.output;
  EXPECT_NE(status.output.find("outpostd                not a systemd service here (systemctl: System has not been booted "
                               "with systemd as init system (PID 1). Can't operate.)"),
            std::string::npos)
      << status.output;
  EXPECT_NE(status.output.find("answers on " + mgmt_uri()), std::string::npos) << "from config.yaml\n" << status.output;
  EXPECT_NE(status.output.find("outpostd runs, but not as the systemd service (started by hand?)"), std::string::npos)
      << status.output;
  EXPECT_EQ(status.output.find("Use 'outpost system logs'"), std::string::npos) << "no journal to point at\n" << status.output;

  // No systemctl at all: the same, in its words.
  auto env = env_;
  env["OUTPOST_SYSTEMCTL"] = dir_ + "/no-such-systemctl";
  const auto bare = outpost::testing::run_command({built_binary("outpost"), "system", "status", "-H", mgmt_uri()}, 20s, env);
  EXPECT_EQ(bare.status, 0) << bare.output;
  EXPECT_NE(bare.output.find("not a systemd service here (systemctl is not installed)"), std::string::npos) << bare.output;
}

TEST_F(CliProcess, SystemStatusFailsWhenNothingAnswers) {
  systemd_says("LoadState=loaded\nActiveState=failed\nSubState=failed\nResult=exit-code\nMainPID=0\n");
  const auto failed = cli({"system", "status", "-H", mgmt_uri()});
  EXPECT_EQ(failed.status, 1) << failed.output;
  EXPECT_NE(failed.output.find("    outpostd                Failed (exit-code)\n"), std::string::npos) << failed.output;
  EXPECT_NE(failed.output.find("Management API: no answer on " + mgmt_uri()), std::string::npos) << failed.output;

  systemd_says(kRunning);
  const auto elsewhere = cli({"system", "status", "-H", mgmt_uri()});
  EXPECT_EQ(elsewhere.status, 1) << elsewhere.output;
  EXPECT_NE(elsewhere.output.find("outpostd.service runs, but nothing answers on " + mgmt_uri()), std::string::npos)
      << elsewhere.output;
}

TEST_F(CliProcess, SystemLogsRunsJournalctlForTheUnitWithTheArgumentsGiven) {
  const auto followed = cli({"system", "logs", "--", "-f", "--since", "1 hour ago"});
  EXPECT_EQ(followed.status, 0) << followed.output;
  EXPECT_EQ(calls("journalctl"), "[-u][outpostd][-f][--since][1 hour ago]\n");
  EXPECT_EQ(followed.output, "Dec 04 12:00:00 edge outpostd[4242]: outpostd: ready\n");
  EXPECT_EQ(calls("systemctl"), kShowArgs) << "the unit is looked for first";

  // Without IoT Edge's "--" too; journalctl's exit code is the command's.
  write_file(dir_ + "/journalctl.exit", "3\n");
  EXPECT_EQ(cli({"system", "logs", "-n", "5"}).status, 3);
  EXPECT_EQ(calls("journalctl"), "[-u][outpostd][-f][--since][1 hour ago]\n[-u][outpostd][-n][5]\n");
}

TEST_F(CliProcess, SystemLogsRefusesInOneLineWithoutJournalctlOrTheUnit) {
  auto env = env_;
  env["OUTPOST_JOURNALCTL"] = dir_ + "/no-such-journalctl";
  const auto no_journal = outpost::testing::run_command({built_binary("outpost"), "system", "logs"}, 20s, env);
  EXPECT_EQ(no_journal.status, 1);
  EXPECT_EQ(no_journal.output, "outpost system logs: journalctl is not installed here: no systemd journal to read\n");

  systemd_says("LoadState=not-found\nActiveState=inactive\nSubState=dead\nResult=success\nMainPID=0\n");
  const auto no_unit = cli({"system", "logs"});
  EXPECT_EQ(no_unit.status, 1);
  EXPECT_EQ(no_unit.output, "outpost system logs: there is no outpostd.service here, so no journal of it\n");

  systemd_says(kNoSystemd, 1);
  const auto no_systemd = cli({"system", "logs", "--", "-f"});
  EXPECT_EQ(no_systemd.status, 1);
  EXPECT_EQ(no_systemd.output.find('\n'), no_systemd.output.size() - 1) << "one line: " << no_systemd.output;
  EXPECT_NE(no_systemd.output.find("outpostd is not a systemd service here"), std::string::npos) << no_systemd.output;
  EXPECT_EQ(calls("journalctl"), "") << "never run";
}

TEST_F(CliProcess, SystemRestartRestartsTheUnitOrSaysWhyNot) {
  const auto restarted = cli({"system", "restart"});
  EXPECT_EQ(restarted.status, 0) << restarted.output;
  EXPECT_EQ(restarted.output, "outpostd.service restarted\n");
  EXPECT_EQ(calls("systemctl"), std::string(kShowArgs) + "[restart][outpostd]\n");

  write_file(dir_ + "/restart.exit", "1\n");
  write_file(dir_ + "/restart.out", "Failed to restart outpostd.service: Access denied\nSee system logs.\n");
  const auto refused = cli({"system", "restart"});
  EXPECT_EQ(refused.status, 1);
  EXPECT_EQ(refused.output, "outpost system restart: systemctl restart outpostd failed: Failed to restart outpostd.service: "
                            "Access denied\n");

  std::filesystem::remove(dir_ + "/systemctl.calls");
  systemd_says("LoadState=not-found\nActiveState=inactive\nSubState=dead\nResult=success\nMainPID=0\n");
  const auto no_unit = cli({"system", "restart"});
  EXPECT_EQ(no_unit.status, 1);
  EXPECT_EQ(no_unit.output, "outpost system restart: there is no outpostd.service here (packaging/systemd/outpostd.service "
                            "installs it)\n");
  systemd_says(kNoSystemd, 1);
  const auto no_systemd = cli({"system", "restart"});
  EXPECT_EQ(no_systemd.status, 1);
  EXPECT_NE(no_systemd.output.find("outpost system restart: outpostd is not a systemd service here"), std::string::npos)
      << no_systemd.output;
  EXPECT_EQ(calls("systemctl"), std::string(kShowArgs) + kShowArgs) << "no restart tried";
}

TEST_F(CliProcess, ConfigCheckSaysWhatOutpostdCheckSays) {
  const auto ok = cli({"config", "check", "-c", dir_ + "/config.yaml"});
  const auto daemon_ok = outpost::testing::run_command({built_binary("outpostd"), "-c", dir_ + "/config.yaml", "--check"}, 20s);
  EXPECT_EQ(ok.status, 0) << ok.output;
  EXPECT_EQ(daemon_ok.status, 0) << daemon_ok.output;
  EXPECT_EQ(ok.output, daemon_ok.output);
  EXPECT_EQ(ok.output, dir_ + "/config.yaml: ok (device 'edge1', provisioning local, home " + dir_ + "/home)\n");

  write_file(dir_ + "/bad.yaml", "provisioning: { source: nowhere }\nhostname: \"bad name\"\nfoo: 1\n");
  const auto bad = cli({"config", "check", "--config", dir_ + "/bad.yaml"});
  auto daemon_bad = outpost::testing::run_command({built_binary("outpostd"), "-c", dir_ + "/bad.yaml", "--check"}, 20s);
  EXPECT_EQ(bad.status, 1);
  EXPECT_EQ(daemon_bad.status, 1);
  for (auto at = daemon_bad.output.find("outpostd: "); at != std::string::npos; at = daemon_bad.output.find("outpostd: ", at))
    daemon_bad.output.replace(at, 10, "outpost config check: ");
  EXPECT_EQ(bad.output, daemon_bad.output) << "every problem, in outpostd's words";
  EXPECT_NE(bad.output.find("outpost config check: 3 problems\n"), std::string::npos) << bad.output;
}

TEST_F(CliProcess, ConfigApplyChecksInstallsAtomicallyAndRestartsOutpostd) {
  std::filesystem::create_directories(dir_ + "/etc");
  const auto to = dir_ + "/etc/config.yaml";
  const auto applied = cli({"config", "apply", "-c", dir_ + "/config.yaml", "--to", to});
  EXPECT_EQ(applied.status, 0) << applied.output;
  EXPECT_EQ(read_file(to), config_yaml());
  EXPECT_EQ(mode_of(to), 0600u) << "a new file is root's alone: it may hold the device's key";
  EXPECT_EQ(calls("systemctl"), std::string(kShowArgs) + "[restart][outpostd]\n");
  EXPECT_NE(applied.output.find("installed as " + to + "\n"), std::string::npos) << applied.output;
  EXPECT_NE(applied.output.find("outpostd.service restarted\n"), std::string::npos) << applied.output;

  // An existing file keeps its mode; --no-restart leaves systemd alone.
  ::chmod(to.c_str(), 0640);
  write_file(dir_ + "/next.yaml", config_yaml() + "log_level: debug\n");
  const auto quiet = cli({"config", "apply", "-c", dir_ + "/next.yaml", "--to", to, "--no-restart"});
  EXPECT_EQ(quiet.status, 0) << quiet.output;
  EXPECT_EQ(read_file(to), config_yaml() + "log_level: debug\n");
  EXPECT_EQ(mode_of(to), 0640u);
  EXPECT_EQ(calls("systemctl"), std::string(kShowArgs) + "[restart][outpostd]\n") << "no new call";
  EXPECT_NE(quiet.output.find("not restarted (--no-restart)"), std::string::npos) << quiet.output;

  // The file in place itself (IoT Edge's habit: edit, then apply): checked, not rewritten, restarted.
  const auto in_place = cli({"config", "apply", "-c", to, "--to", to});
  EXPECT_EQ(in_place.status, 0) << in_place.output;
  EXPECT_EQ(in_place.output, to + ": ok (device 'edge1', provisioning local, home " + dir_ + "/home)\n" +
                                 "outpostd.service restarted\n");
  EXPECT_EQ(calls("systemctl"), std::string(kShowArgs) + "[restart][outpostd]\n" + kShowArgs + "[restart][outpostd]\n");

  // Where outpostd is no systemd service: installed, and said so.
  systemd_says(kNoSystemd, 1);
  const auto by_hand = cli({"config", "apply", "-c", dir_ + "/config.yaml", "--to", to});
  EXPECT_EQ(by_hand.status, 0) << by_hand.output;
  EXPECT_EQ(read_file(to), config_yaml());
  EXPECT_NE(by_hand.output.find("not restarted: outpostd is not a systemd service here"), std::string::npos) << by_hand.output;

  // A restart systemd refuses is a failure (the file is in place).
  systemd_says(kRunning);
  write_file(dir_ + "/restart.exit", "1\n");
  write_file(dir_ + "/restart.out", "Job for outpostd.service failed because the control process exited with error code.\n");
  const auto failed = cli({"config", "apply", "-c", dir_ + "/config.yaml", "--to", to});
  EXPECT_EQ(failed.status, 1) << failed.output;
  EXPECT_NE(failed.output.find("outpost config apply: systemctl restart outpostd failed: Job for outpostd.service failed"),
            std::string::npos)
      << failed.output;
}

TEST_F(CliProcess, ConfigApplyRefusesAnInvalidFileTouchingNothing) {
  std::filesystem::create_directories(dir_ + "/etc");
  const auto to = dir_ + "/etc/config.yaml";
  write_file(to, "the file in place\n");
  write_file(dir_ + "/bad.yaml", "provisioning: { source: nowhere }\nhostname: edgegw\n");
  const auto refused = cli({"config", "apply", "-c", dir_ + "/bad.yaml", "--to", to});
  EXPECT_EQ(refused.status, 1);
  EXPECT_NE(refused.output.find("outpost config apply: " + dir_ + "/bad.yaml:1:25: provisioning.source: 'nowhere' is not supported"),
            std::string::npos)
      << refused.output;
  EXPECT_EQ(read_file(to), "the file in place\n");
  EXPECT_FALSE(std::filesystem::exists(to + ".tmp"));
  EXPECT_EQ(calls("systemctl"), "") << "outpostd never restarted";
}

TEST_F(CliProcess, ConfigImportMakesAConfigYamlOutpostdAccepts) {
  auto toml = read_file(outpost::testing::source_path("tests/daemon/data/aziot-config.toml"));
  for (auto at = toml.find("TESTDIR"); at != std::string::npos; at = toml.find("TESTDIR")) toml.replace(at, 7, dir_);
  outpost::testing::run_command({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                 "-keyout", dir_ + "/ca.key", "-out", dir_ + "/ca.pem", "-subj", "/CN=ca", "-days", "2"},
                                20s);
  // Top-level keys before the first [table].
  write_file(dir_ + "/config.toml", "homedir = \"" + dir_ + "/home\"\n" + toml);

  // To stdout by default; what was left out on stderr.
  const auto printed = cli_stdout("config import --from '" + dir_ + "/config.toml'");
  EXPECT_EQ(printed.rfind("# outpostd's configuration", 0), 0u) << printed;
  EXPECT_NE(printed.find("device_connection_string: HostName=hub.example.net;DeviceId=edge-15;"), std::string::npos) << printed;
  const auto both = cli({"config", "import", "--from", dir_ + "/config.toml"});
  EXPECT_EQ(both.status, 0) << both.output;
  EXPECT_NE(both.output.find("outpost config import: not carried over (they mean nothing to outpostd): "
                             "auto_reprovisioning_mode, aziot_keys"),
            std::string::npos)
      << both.output;

  // To a file: only a new one, unless --force; outpostd's own --check accepts it.
  const auto to = dir_ + "/outpost.yaml";
  write_file(to, "mine\n");
  ::chmod(to.c_str(), 0640);
  const auto kept = cli({"config", "import", "--from", dir_ + "/config.toml", "--to", to});
  EXPECT_EQ(kept.status, 1);
  EXPECT_EQ(kept.output, "outpost config import: " + to + " exists: --force replaces it\n");
  EXPECT_EQ(read_file(to), "mine\n");
  const auto forced = cli({"config", "import", "--from", dir_ + "/config.toml", "--to", to, "--force"});
  EXPECT_EQ(forced.status, 0) << forced.output;
  EXPECT_EQ(read_file(to), printed);
  EXPECT_EQ(mode_of(to), 0640u) << "kept from the file it replaced";
  const auto checked = outpost::testing::run_command({built_binary("outpostd"), "-c", to, "--check"}, 20s);
  EXPECT_EQ(checked.status, 0) << checked.output;
  EXPECT_EQ(checked.output, to + ": ok (device 'edge-15', provisioning manual, home " + dir_ + "/home)\n");

  // config apply takes the TOML itself (imported on the way).
  std::filesystem::remove(to);
  const auto applied = cli({"config", "apply", "-c", dir_ + "/config.toml", "--to", to, "--no-restart"});
  EXPECT_EQ(applied.status, 0) << applied.output;
  EXPECT_EQ(read_file(to), printed);

  // What outpostd would refuse is refused, with the TOML's line.
  write_file(dir_ + "/nested.toml", "homedir = \"" + dir_ + "/home\"\nparent_hostname = \"parent\"\n" + toml);
  const auto nested = cli({"config", "import", "--from", dir_ + "/nested.toml"});
  EXPECT_EQ(nested.status, 1);
  EXPECT_NE(nested.output.find("nested.toml:"), std::string::npos) << nested.output;
  EXPECT_NE(nested.output.find("parent_hostname: nested edge devices"), std::string::npos) << nested.output;
}

TEST_F(CliProcess, ConfigImportKeepsAnIotEdge11ConfigYamlAsWritten) {
  auto yaml = read_file(outpost::testing::source_path("tests/cli/data/iotedge-1.1-config.yaml"));
  for (auto at = yaml.find("TESTDIR"); at != std::string::npos; at = yaml.find("TESTDIR")) yaml.replace(at, 7, dir_);
  outpost::testing::run_command({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                 "-keyout", dir_ + "/ca.key", "-out", dir_ + "/ca.pem", "-subj", "/CN=ca", "-days", "2"},
                                20s);
  write_file(dir_ + "/iotedge.yaml", yaml);
  const auto to = dir_ + "/outpost.yaml";
  const auto imported = cli({"config", "import", "--from", dir_ + "/iotedge.yaml", "--to", to});
  EXPECT_EQ(imported.status, 0) << imported.output;
  const auto written = read_file(to);
  ASSERT_GT(written.size(), yaml.size());
  EXPECT_EQ(written.substr(written.size() - yaml.size()), yaml);
  EXPECT_EQ(outpost::testing::run_command({built_binary("outpostd"), "-c", to, "--check"}, 20s).status, 0);
}

TEST_F(CliProcess, VersionAndHelpEverywhere) {
  const auto version = cli({"version"});
  EXPECT_EQ(version.status, 0);
  EXPECT_EQ(version.output.rfind("outpost ", 0), 0u) << version.output;
  EXPECT_EQ(version.output.find('\n'), version.output.size() - 1);
  const auto iotedge = cli({"version"}, "iotedge");
  EXPECT_EQ(iotedge.output, "iotedge " + version.output.substr(8)) << "the shape `iotedge version` has";

  const std::vector<std::vector<std::string>> commands{
      {"system"}, {"system", "status"}, {"system", "logs"}, {"system", "restart"}, {"config"}, {"config", "check"},
      {"config", "apply"}, {"config", "import"}, {"version"}, {"list"}, {"logs"}, {"restart"}, {"check"},
      {"support-bundle"}, {"deployment"}, {"deployment", "apply"}, {"deployment", "apply", "x.json"}, {"cloud"},
      {"cloud", "device"}, {"cloud", "device", "list"}, {"cloud", "twin"}, {"cloud", "invoke"}, {"cloud", "deployment"},
      {"cloud", "monitor"}, {"sas-token"}};
  for (auto command : commands) {
    for (const auto* help : {"--help", "-h"}) {
      auto args = command;
      args.push_back(help);
      const auto answer = cli(args);
      EXPECT_EQ(answer.status, 0) << args[0] << " " << (args.size() > 2 ? args[1] : "") << " " << help << ": " << answer.output;
      EXPECT_EQ(answer.output.rfind("usage: outpost ", 0), 0u) << answer.output;
    }
  }
  EXPECT_EQ(calls("systemctl") + calls("journalctl"), "") << "--help runs nothing";

  // Mistakes: one line first, exit 2.
  const auto unknown = cli({"sytem"});
  EXPECT_EQ(unknown.status, 2);
  EXPECT_EQ(unknown.output, "outpost: unknown command 'sytem' (outpost --help lists them)\n");
  const auto sub = cli({"config", "fix"});
  EXPECT_EQ(sub.status, 2);
  EXPECT_EQ(sub.output.rfind("outpost config fix: unknown subcommand 'fix': expected check, apply or import\n", 0), 0u)
      << sub.output;
}

}  // namespace

// The checks behind `outpost check` (`iotedge check`): each looks at one thing an operator
// gets wrong or that breaks in the field, under IoT Edge's id where IoT Edge has the same
// check, and says what to do when it fails. They read config.yaml leniently (outpostd's own
// `--check` is the strict reader, and the first check runs it).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace outpost::cli {

enum class CheckResult { ok, warning, error, skipped };

struct CheckOutcome {
  CheckResult result = CheckResult::ok;
  std::string details;  // why, and what to do (empty for a plain OK)
};

struct DeviceFacts {
  std::string config_file;
  std::string management_uri;
  std::string homedir;
  std::string hostname;
  std::string runtime;          // process, docker, or empty (automatic)
  std::string moby_uri;         // unix:///var/run/docker.sock
  std::string provisioning;     // manual or local
  std::string iothub_hostname;  // empty without a cloud
  std::string trusted_ca_file;  // certificates.trusted_ca_certs (the first), for the cloud's TLS
  std::string daemon_binary;    // outpostd beside this program, or on PATH
};

struct Check {
  std::string id;
  std::string description;
  std::string group;  // "Configuration checks" or "Connectivity checks"
  std::function<CheckOutcome(const DeviceFacts&)> run;
};

// What config.yaml says (never throws: what cannot be read stays empty; the first check says why).
DeviceFacts read_device_facts(const std::string& config_file, const std::string& management_uri_override);
const std::vector<Check>& device_checks();

struct CheckRun {
  const Check* check;
  CheckOutcome outcome;
};
// Every check, in order (one that throws is an error with its message).
std::vector<CheckRun> run_device_checks(const DeviceFacts& facts);
const char* to_string(CheckResult result);  // OK, Warning, Error, Skipped
// {"checks": {"<id>": {"description", "result", "details"}}}: what `check -o json` prints and the
// support bundle keeps.
nlohmann::json checks_json(const std::vector<CheckRun>& runs);

}  // namespace outpost::cli

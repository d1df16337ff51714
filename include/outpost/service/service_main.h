// What every Outpost daemon's main() shares (outpost-hub, outpost-cloud, and outpostd and the
// agent to come): the command line (`--config FILE`/`-c FILE`, `--check`, `--ready-file FILE`,
// `--help`, plus options of its own), SIGPIPE ignored, and one way to end: a ConfigError
// prints every problem and exits 1, a StorageFailure or any other exception prints one
// "<program>: ..." line and exits 1, a bad command line prints the usage and exits 2.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "outpost/core/result.h"

namespace outpost::service {

// An option that takes a value, beyond the shared ones: `--print-connection-string POLICY`.
struct ExtraOption {
  std::string name;  // "--print-connection-string"
  std::string value_name;  // "POLICY"
  std::string help;
};

struct ServiceDescription {
  std::string program;       // "outpost-hub"
  std::string config_name;   // "hub.yaml", shown in the usage
  std::string check_help;    // what --check checks
  std::string default_config;  // used when no --config is given; empty: --config is required
  std::vector<ExtraOption> extra_options;
  // --config may be left out (config_file is then empty): outpost-hub started by outpostd as
  // a system module is configured by its environment.
  bool config_optional = false;
};

struct ServiceArgs {
  std::string config_file;
  bool check_only = false;
  std::string ready_file;
  bool help = false;
  std::map<std::string, std::string> extra;  // by option name, only those given
};

// The arguments, or an error naming what is wrong with them.
Result<ServiceArgs> parse_service_args(const ServiceDescription& service, const std::vector<std::string>& args);
std::string usage_text(const ServiceDescription& service);

// Parses the command line and runs `body`, ending as the header comment says. Returns the
// process's exit code.
int service_main(const ServiceDescription& service, int argc, char** argv,
                 const std::function<int(const ServiceArgs&)>& body);

}  // namespace outpost::service

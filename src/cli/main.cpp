// outpost: the command-line tool. Subcommands grow with the runtime (src/cli/README.md).
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "commands.h"

namespace {

std::string invoked_as = "outpost";

void usage(std::ostream& out) {
  out << "usage: outpost <command> [options]\n\n"
         "commands:\n"
         "  list        the modules this device runs, and their status\n"
         "  logs        a module's output: logs <module> [--tail N] [--since T] [-f]\n"
         "  restart     restart a module: restart <module>\n"
         "  check       configuration and connectivity checks, as iotedge check\n"
         "  support-bundle  logs, module details and check results in one zip\n"
         "  system      outpostd as a system service: status, logs, restart\n"
         "  config      outpostd's config.yaml: check, apply, import (from IoT Edge's config.toml or config.yaml)\n"
         "  deployment  apply FILE: validate a deployment and hand it to this device's agent (no cloud)\n"
         "  cloud       outpost-cloud's service API: device, twin, invoke, deployment, monitor\n"
         "  sas-token   sign a SAS token for a device, module or service policy\n"
         "  version     print the version\n\n"
         "run 'outpost <command> --help' for a command's options\n";
}

// IoT Edge's -h, as --help, which every command answers (arguments after "--" are left alone:
// they are another program's).
std::vector<std::string> with_long_help(std::vector<std::string> args) {
  for (auto& arg : args) {
    if (arg == "--") break;
    if (arg == "-h") arg = "--help";
  }
  return args;
}

}  // namespace

const std::string& outpost::cli::program_name() { return invoked_as; }

int main(int argc, char** argv) {
  const std::string_view self = argv[0];
  if (self.substr(self.rfind('/') + 1) == "iotedge") invoked_as = "iotedge";
  if (argc < 2) {
    usage(std::cerr);
    return 2;
  }
  const std::string_view command = argv[1];
  const auto args = with_long_help(std::vector<std::string>(argv + 2, argv + argc));
  if (command == "sas-token") return outpost::cli::sas_token_command(args);
  if (command == "cloud") return outpost::cli::cloud_command(args);
  if (command == "deployment") return outpost::cli::deployment_command(args);
  if (command == "list") return outpost::cli::list_command(args);
  if (command == "logs") return outpost::cli::logs_command(args);
  if (command == "restart") return outpost::cli::restart_command(args);
  if (command == "check") return outpost::cli::check_command(args);
  if (command == "support-bundle") return outpost::cli::support_bundle_command(args);
  if (command == "system") return outpost::cli::system_command(args);
  if (command == "config") return outpost::cli::config_command(args);
  if (command == "version" || command == "--version" || command == "-V") {
    if (!args.empty()) {
      const bool help = args[0] == "--help";
      (help ? std::cout : std::cerr) << (help ? "" : "outpost version: takes no arguments\n") << "usage: outpost version\n"
                                     << "  prints '" << invoked_as << " <version>', as 'iotedge version' does\n";
      return help ? 0 : 2;
    }
    // "iotedge 0.1.0" through the iotedge link: the shape scripts written for IoT Edge parse.
    std::cout << invoked_as << " " << OUTPOST_VERSION << "\n";
    return 0;
  }
  if (command == "help" || command == "--help" || command == "-h") {
    usage(std::cout);
    return 0;
  }
  std::cerr << "outpost: unknown command '" << command << "' (outpost --help lists them)\n";
  return 2;
}

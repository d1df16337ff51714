// outpost: the command-line tool. Subcommands grow with the runtime (src/cli/README.md).
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "commands.h"

namespace {

void usage() {
  std::cerr << "usage: outpost <command> [options]\n\n"
               "commands:\n"
               "  sas-token   sign a SAS token for a device, module or service policy\n"
               "  cloud       outpost-cloud commands (monitor: print device-to-cloud events)\n"
               "  deployment  apply FILE: validate a deployment and hand it to this device's agent (no cloud)\n"
               "  list        the modules this device runs, and their status\n"
               "  logs        a module's output: logs <module> [--tail N] [--since T] [-f]\n"
               "  restart     restart a module: restart <module>\n"
               "  check       configuration and connectivity checks, as iotedge check\n"
               "  support-bundle  logs, module details and check results in one zip\n"
               "  version     print the version\n\n"
               "run 'outpost <command> --help' for a command's options\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage();
    return 2;
  }
  const std::string_view command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "sas-token") return outpost::cli::sas_token_command(args);
  if (command == "cloud") return outpost::cli::cloud_command(args);
  if (command == "deployment") return outpost::cli::deployment_command(args);
  if (command == "list") return outpost::cli::list_command(args);
  if (command == "logs") return outpost::cli::logs_command(args);
  if (command == "restart") return outpost::cli::restart_command(args);
  if (command == "check") return outpost::cli::check_command(args);
  if (command == "support-bundle") return outpost::cli::support_bundle_command(args);
  if (command == "version" || command == "--version") {
    std::cout << "outpost " << OUTPOST_VERSION << "\n";
    return 0;
  }
  if (command == "help" || command == "--help" || command == "-h") {
    usage();
    return 0;
  }
  std::cerr << "outpost: unknown command '" << command << "'\n";
  usage();
  return 2;
}

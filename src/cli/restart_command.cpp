// outpost restart <module>: restarts a module through the daemon's management API, as
// `iotedge restart` does. The agent is not asked: a restart is not a deployment change.
#include <iostream>

#include "commands.h"
#include "device_config.h"
#include "options.h"
#include "outpost/management_client/management_client.h"

namespace outpost::cli {

int restart_command(const std::vector<std::string>& raw_args) {
  constexpr const char* kUsage = "usage: outpost restart <module> [-H|--host URI] [--config /etc/outpost/config.yaml]\n";
  try {
    const auto args = module_arguments(raw_args, "restart");
    if (!args) {
      std::cout << kUsage;
      return raw_args.empty() ? 2 : 0;
    }
    const auto& module = args->module;
    const Options opts(args->options, {"host", "config"});
    const auto device = read_device_config(opts.get("config").value_or(kDefaultConfig));
    auto management = management::ManagementClient::create({management_uri(opts, device)});
    if (!management) throw UsageError(management.error());
    if (auto restarted = management->restart_module(module); !restarted) {
      std::cerr << "outpost restart: " << restarted.error() << "\n";
      return 1;
    }
    std::cout << module << "\n";  // iotedge prints the module's name
    return 0;
  } catch (const UsageError& e) {
    std::cerr << "outpost restart: " << e.what() << "\n" << kUsage;
    return 2;
  }
}

}  // namespace outpost::cli

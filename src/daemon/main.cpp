// outpostd: the security daemon. `outpostd -c /etc/outpost/config.yaml` (docs/DAEMON.md).
#include <cstdio>

#include "daemon_config.h"
#include "outpost/service/service_main.h"

namespace {

using namespace outpost;

const service::ServiceDescription kDaemon{
    "outpostd", "config.yaml",
    "check the configuration and everything it names (key and certificate files, home folder); "
    "list every problem, then exit",
    "/etc/outpost/config.yaml", {}};

const char* source_name(daemon::ProvisioningSource source) {
  return source == daemon::ProvisioningSource::local ? "local" : "manual";
}

}  // namespace

int main(int argc, char** argv) {
  return service::service_main(kDaemon, argc, argv, [](const service::ServiceArgs& args) {
    const auto config = daemon::load_daemon_config(args.config_file);
    if (args.check_only) {
      std::printf("%s: ok (device '%s', provisioning %s, home %s)\n", args.config_file.c_str(),
                  config.provisioning.device_id.c_str(), source_name(config.provisioning.source),
                  config.homedir.c_str());
      return 0;
    }
    std::fprintf(stderr, "outpostd: only --check is implemented so far\n");
    return 1;
  });
}

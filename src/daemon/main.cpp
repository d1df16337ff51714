// outpostd: the security daemon. `outpostd -c /etc/outpost/config.yaml` (docs/DAEMON.md).
#include <csignal>
#include <cstdio>

#include <spdlog/spdlog.h>

#include "daemon.h"
#include "daemon_config.h"
#include "outpost/core/config.h"
#include "outpost/core/config_checks.h"
#include "outpost/core/log.h"
#include "outpost/net/event_loop.h"
#include "outpost/service/service_main.h"
#include "outpost/service/systemd_notify.h"

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

int run(daemon::DaemonConfig config, const std::string& ready_file) {
  init_logging("outpostd", config.log_level);
  net::EventLoop loop;
  daemon::Daemon outpostd(loop, config, daemon::executable_folder());
  int exit_code = 0;
  outpostd.on_gave_up([&] {
    exit_code = 1;
    outpostd.stop([&] { loop.stop(); });
  });
  if (auto ok = outpostd.start(); !ok) {
    spdlog::error("outpostd: cannot start: {}", ok.error());
    return 1;
  }
  loop.on_signals({SIGINT, SIGTERM}, [&](int) {
    spdlog::info("outpostd: stopping");
    service::systemd_notify("STOPPING=1");
    outpostd.stop([&] { loop.stop(); });
  });
  write_ready_file(ready_file, outpostd.ready_info());
  // Under systemd (Type=notify): the sockets are bound and the agent is starting.
  service::systemd_notify("READY=1\nSTATUS=serving the workload and management APIs");
  spdlog::info("outpostd: device '{}' ({} provisioning) ready, workload API on {}", config.provisioning.device_id,
               source_name(config.provisioning.source), config.listen.workload_uri);
  loop.run();
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  return service::service_main(kDaemon, argc, argv, [](const service::ServiceArgs& args) {
    auto config = daemon::load_daemon_config(args.config_file);
    if (!args.ready_file.empty())
      if (auto ok = check_ready_file(args.ready_file); !ok) throw ConfigError("--ready-file: " + ok.error());
    if (args.check_only) {
      std::printf("%s: %s\n", args.config_file.c_str(), daemon::check_summary(config).c_str());
      return 0;
    }
    return run(std::move(config), args.ready_file);
  });
}

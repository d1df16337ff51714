// outpost system status|logs|restart: outpostd as a system service, as IoT Edge 1.2+'s
// `iotedge system …` for aziot-edged and the identity services. Here there is one service,
// outpostd.service; status also asks the management API, so an outpostd started by hand
// (`make run`, a container without systemd) is seen for what it is.
#include <chrono>
#include <cstdio>
#include <iostream>

#include "commands.h"
#include "device_config.h"
#include "options.h"
#include "outpost/core/json.h"
#include "outpost/management_client/management_client.h"
#include "outpostd_service.h"
#include "programs.h"

namespace outpost::cli {
namespace {

constexpr const char* kUsage =
    "usage: outpost system status [-H|--host URI] [--config /etc/outpost/config.yaml]\n"
    "       outpost system logs [-- JOURNALCTL-ARGS]   e.g. -- -f, -- --since \"1 hour ago\"\n"
    "       outpost system restart\n"
    "  outpostd as the systemd service outpostd.service: its state and whether its management API\n"
    "  answers; its journal (journalctl -u outpostd); systemctl restart outpostd.\n"
    "  OUTPOST_SYSTEMCTL and OUTPOST_JOURNALCTL name other programs than systemctl and journalctl.\n";

struct ApiAnswer {
  bool answers = false;
  std::string text;  // outpostd's version, or why there is no answer
};

ApiAnswer ask_management_api(const std::string& uri) {
  // A few seconds: a status that hangs on a stuck daemon would say nothing.
  auto client = management::ManagementClient::create({uri, "2020-07-07", std::chrono::seconds(5)});
  if (!client) return {false, client.error()};
  auto info = client->system_info();
  if (!info) return {false, info.error()};
  return {true, string_field(*info, "version", "?")};
}

int status(const std::vector<std::string>& args) {
  const Options opts(expand_short_options(args), {"config", "host"}, {"help"});
  if (opts.has("help")) {
    std::cout << kUsage;
    return 0;
  }
  const auto uri = management_uri(opts, read_device_config(opts.get("config").value_or(kDefaultConfig)));
  const auto service = outpostd_service_state();
  const auto api = ask_management_api(uri);

  std::printf("System services:\n    %-24s%s\n\n", kServiceName, describe(service).c_str());
  if (api.answers) std::printf("Management API: outpostd %s answers on %s\n", api.text.c_str(), uri.c_str());
  else std::printf("Management API: no answer on %s (%s)\n", uri.c_str(), api.text.c_str());
  // Where the two disagree, say what that means.
  if (api.answers && !service.running())
    std::printf("outpostd runs, but not as the systemd service (started by hand?): 'system restart' and "
                "'system logs' do not reach it\n");
  if (!api.answers && service.running())
    std::printf("outpostd.service runs, but nothing answers on %s: is that the management_uri it binds "
                "(-H, IOTEDGE_HOST, config.yaml's connect)?\n",
                uri.c_str());
  std::printf("\n");
  if (service.installed()) std::printf("Use '%s system logs' to check for non-fatal errors.\n", program_name().c_str());
  std::printf("Use '%s check' to diagnose connectivity and configuration issues.\n", program_name().c_str());
  return api.answers ? 0 : 1;
}

int logs(std::vector<std::string> args) {
  if (!args.empty() && args[0] == "--help") {
    std::cout << kUsage;
    return 0;
  }
  // Everything after "logs" goes to journalctl; IoT Edge's spelling puts a "--" first.
  if (!args.empty() && args[0] == "--") args.erase(args.begin());
  const auto command = outpostd_journal_command(args);
  if (!command.error.empty()) {
    std::cerr << "outpost system logs: " << command.error << "\n";
    return 1;
  }
  std::fflush(stdout);
  const auto failed = exec_program(command.argv);  // returns only when journalctl did not start
  std::cerr << "outpost system logs: " << failed << "\n";
  return 1;
}

int restart(const std::vector<std::string>& args) {
  const Options opts(args, {}, {"help"});
  if (opts.has("help")) {
    std::cout << kUsage;
    return 0;
  }
  const auto outcome = restart_outpostd_service();
  if (outcome.result != RestartResult::restarted) {
    std::cerr << "outpost system restart: " << outcome.message << "\n";
    return 1;
  }
  std::cout << outcome.message << "\n";
  return 0;
}

}  // namespace

int system_command(const std::vector<std::string>& args) {
  try {
    if (args.empty()) throw UsageError("expected status, logs or restart");
    if (args[0] == "--help") {
      std::cout << kUsage;
      return 0;
    }
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (args[0] == "status") return status(rest);
    if (args[0] == "logs") return logs(rest);
    if (args[0] == "restart") return restart(rest);
    throw UsageError("unknown subcommand '" + args[0] + "': expected status, logs or restart");
  } catch (const UsageError& e) {
    std::cerr << "outpost system: " << e.what() << "\n" << kUsage;
    return 2;
  }
}

}  // namespace outpost::cli

#include "outpost/service/service_main.h"

#include <csignal>
#include <cstdio>

#include <fmt/format.h>

#include "outpost/core/config.h"
#include "outpost/core/storage_failure.h"

namespace outpost::service {

Result<ServiceArgs> parse_service_args(const ServiceDescription& service, const std::vector<std::string>& args) {
  ServiceArgs out;
  out.config_file = service.default_config;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& arg = args[i];
    const bool has_value = i + 1 < args.size();
    if (arg == "--help" || arg == "-h") {
      out.help = true;
      continue;
    }
    if (arg == "--check") {
      out.check_only = true;
      continue;
    }
    if (arg == "--config" || arg == "-c" || arg == "--ready-file") {
      if (!has_value) return make_error(fmt::format("{} needs a value", arg));
      (arg == "--ready-file" ? out.ready_file : out.config_file) = args[++i];
      continue;
    }
    bool known = false;
    for (const auto& option : service.extra_options) {
      if (arg != option.name) continue;
      if (!has_value) return make_error(fmt::format("{} needs a value ({})", arg, option.value_name));
      out.extra[option.name] = args[++i];
      known = true;
      break;
    }
    if (!known) return make_error(fmt::format("unknown argument '{}'", arg));
  }
  if (out.config_file.empty() && !out.help && !service.config_optional) return make_error("--config FILE is required");
  return out;
}

std::string usage_text(const ServiceDescription& service) {
  std::string text = fmt::format("usage: {} --config {} [--check] [--ready-file FILE]", service.program,
                                 service.config_name);
  for (const auto& option : service.extra_options) text += fmt::format(" [{} {}]", option.name, option.value_name);
  text += "\n";
  const auto line = [&](const std::string& left, const std::string& help) {
    text += fmt::format("  {:<36} {}\n", left, help);
  };
  line("-c, --config FILE",
       service.default_config.empty() ? "the configuration file" : "the configuration file (default " + service.default_config + ")");
  line("--check", service.check_help);
  line("--ready-file FILE", "once serving, write the bound ports there as JSON");
  for (const auto& option : service.extra_options) line(option.name + " " + option.value_name, option.help);
  return text;
}

int service_main(const ServiceDescription& service, int argc, char** argv,
                 const std::function<int(const ServiceArgs&)>& body) {
  const auto args = parse_service_args(service, std::vector<std::string>(argv + 1, argv + argc));
  if (!args) {
    std::fprintf(stderr, "%s: %s\n%s", service.program.c_str(), args.error().c_str(), usage_text(service).c_str());
    return 2;
  }
  if (args->help) {
    std::fputs(usage_text(service).c_str(), stdout);
    return 0;
  }
  // A peer that goes away mid-write is an error code on that socket, not the end of the process.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    return body(*args);
  } catch (const ConfigError& e) {
    print_config_problems(service.program, e);
  } catch (const StorageFailure& e) {
    std::fprintf(stderr, "%s: storage (%s): %s\n", service.program.c_str(), std::string(to_string(e.kind())).c_str(),
                 e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: fatal: %s\n", service.program.c_str(), e.what());
  }
  return 1;
}

}  // namespace outpost::service

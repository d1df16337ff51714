// outpost config check|apply|import: outpostd's config.yaml read by outpostd's own reader (the
// daemon_config library, so the words are `outpostd --check`'s), installed atomically with
// outpostd restarted (as `iotedge config apply`), or made from IoT Edge's own file (as
// `iotedge config import` makes config.toml from 1.1's config.yaml).
#include <sys/stat.h>

#include <filesystem>
#include <iostream>

#include "commands.h"
#include "device_config.h"
#include "options.h"
#include "outpost/core/config.h"
#include "outpost/core/file_io.h"
#include "outpost/daemon_config/config_tools.h"
#include "outpostd_service.h"

namespace outpost::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kConfigUsage =
    "usage: outpost config check [-c|--config /etc/outpost/config.yaml]\n"
    "       outpost config apply [-c|--config /etc/outpost/config.yaml] [--to /etc/outpost/config.yaml] [--no-restart]\n"
    "       outpost config import [--from /etc/aziot/config.toml|/etc/iotedge/config.yaml] [--to FILE|-] [--force]\n"
    "  check   read the file as outpostd does (and everything it names); every problem, exit 1 if any\n"
    "  apply   check it (a config.toml is imported first), install it as --to atomically, then\n"
    "          systemctl restart outpostd (not with --no-restart, or where outpostd is no systemd service)\n"
    "  import  IoT Edge 1.5's config.toml or 1.1's config.yaml as Outpost's config.yaml, checked;\n"
    "          to stdout, or to --to FILE (an existing FILE only with --force)\n";

constexpr const char* kAziotConfig = "/etc/aziot/config.toml";     // IoT Edge 1.2+
constexpr const char* kIotedgeConfig = "/etc/iotedge/config.yaml";  // IoT Edge 1.1

bool is_toml(const std::string& file) { return file.size() >= 5 && file.compare(file.size() - 5, 5, ".toml") == 0; }

std::string read_text(const std::string& file) {
  auto text = read_whole_file(file);
  if (!text) throw ConfigError(text.error());
  return std::move(*text);
}

// What will be installed: the file itself, or IoT Edge's file imported (a config.toml always).
// Throws ConfigError with every problem: the source's own, as outpostd reads it (with its
// lines), then the text's as it will be read at `to` (relative paths from its new folder).
struct Prepared {
  std::string summary;  // --check's "ok (device …)"
  daemon::ImportedConfig config;
};
Prepared prepare(const std::string& from, const std::string& to, bool import) {
  auto summary = daemon::check_config_file(from);
  auto text = read_text(from);
  auto config = import || is_toml(from) ? daemon::import_iotedge_config(text, from) : daemon::ImportedConfig{std::move(text), {}};
  daemon::check_config_text(config.yaml, to);
  return {std::move(summary), std::move(config)};
}

// The destination's mode is kept; a new file is root's alone: it may hold the device's key.
unsigned mode_for(const std::string& file) {
  struct stat st {};
  return ::stat(file.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0600;
}

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  return fs::weakly_canonical(a, ec) == fs::weakly_canonical(b, ec);
}

void install(const std::string& text, const std::string& to) {
  if (auto written = write_file_atomically(to, text, mode_for(to)); !written) throw ConfigError(written.error());
}

int check(const Options& opts) {
  const auto file = opts.get("config").value_or(kDefaultConfig);
  const auto summary = daemon::check_config_file(file);
  std::cout << file << ": " << summary << "\n";
  return 0;
}

int apply(const Options& opts) {
  const auto from = opts.get("config").value_or(kDefaultConfig);
  const auto to = opts.get("to").value_or(kDefaultConfig);
  const auto prepared = prepare(from, to, false);
  std::cout << from << ": " << prepared.summary << "\n";
  if (!same_file(from, to)) {
    install(prepared.config.yaml, to);
    std::cout << "installed as " << to << "\n";
  }
  if (opts.has("no-restart")) {
    std::cout << "outpostd not restarted (--no-restart): 'outpost system restart' makes it read " << to << "\n";
    return 0;
  }
  const auto restarted = restart_outpostd_service();
  switch (restarted.result) {
    case RestartResult::restarted:
      std::cout << restarted.message << "\n";
      return 0;
    case RestartResult::no_systemd:
    case RestartResult::not_installed:
      std::cout << "not restarted: " << restarted.message << "; restart outpostd yourself to use " << to << "\n";
      return 0;
    case RestartResult::failed:
      std::cerr << "outpost config apply: " << restarted.message << "\n";
      return 1;
  }
  return 1;
}

int import(const Options& opts) {
  auto from = opts.get("from");
  if (!from) {
    std::error_code ec;
    if (fs::exists(kAziotConfig, ec)) from = kAziotConfig;
    else if (fs::exists(kIotedgeConfig, ec)) from = kIotedgeConfig;
    else throw ConfigError(std::string("neither ") + kAziotConfig + " nor " + kIotedgeConfig + " is here: --from names the file");
  }
  const auto to = opts.get("to").value_or("-");
  if (to != "-" && !opts.has("force") && fs::exists(to))
    throw ConfigError(to + " exists: --force replaces it");
  // Written to stdout, it is checked as read where outpostd reads by default.
  const auto prepared = prepare(*from, to == "-" ? kDefaultConfig : to, true);
  const auto& ignored = prepared.config.ignored;
  if (!ignored.empty()) {
    std::cerr << "outpost config import: not carried over (they mean nothing to outpostd): ";
    for (std::size_t i = 0; i < ignored.size(); ++i) std::cerr << (i ? ", " : "") << ignored[i];
    std::cerr << "\n";
  }
  if (to == "-") {
    std::cout << prepared.config.yaml;
    return 0;
  }
  install(prepared.config.yaml, to);
  std::cout << *from << ": imported as " << to << "; 'outpost config apply -c " << to << "' restarts outpostd with it\n";
  return 0;
}

}  // namespace

int config_command(const std::vector<std::string>& args) {
  const std::string command = args.empty() ? "" : args[0];
  try {
    if (command.empty()) throw UsageError("expected check, apply or import");
    if (command == "--help") {
      std::cout << kConfigUsage;
      return 0;
    }
    const std::vector<std::string> rest = expand_short_options({args.begin() + 1, args.end()});
    if (command == "check" || command == "apply" || command == "import") {
      const Options opts = command == "check"   ? Options(rest, {"config"}, {"help"})
                           : command == "apply" ? Options(rest, {"config", "to"}, {"no-restart", "help"})
                                                : Options(rest, {"from", "to"}, {"force", "help"});
      if (opts.has("help")) {
        std::cout << kConfigUsage;
        return 0;
      }
      try {
        return command == "check" ? check(opts) : command == "apply" ? apply(opts) : import(opts);
      } catch (const ConfigError& e) {
        print_config_problems("outpost config " + command, e);
        return 1;
      }
    }
    throw UsageError("unknown subcommand '" + command + "': expected check, apply or import");
  } catch (const UsageError& e) {
    std::cerr << "outpost config" << (command.empty() || command.rfind("--", 0) == 0 ? "" : " " + command) << ": "
              << e.what() << "\n"
              << kConfigUsage;
    return 2;
  }
}

}  // namespace outpost::cli

// Starting a daemon's listeners from its config's `listen:` block, the same way everywhere:
// each bound port is logged and recorded for the --ready-file, and a listener that cannot
// start is a ConfigError naming `<config file>: listen.<name>`.
#pragma once
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "outpost/core/config.h"
#include "outpost/core/result.h"

namespace outpost::service {

class Listeners {
 public:
  // `log_prefix`: "hub", "cloud", ... as the daemon's log lines start.
  Listeners(std::string log_prefix, std::string config_file)
      : log_prefix_(std::move(log_prefix)), config_file_(std::move(config_file)) {}

  // When `address` is set, `start(address)` -> Result<port>. Throws ConfigError on failure.
  template <typename Start>
  void add(const char* name, const std::optional<std::string>& address, Start&& start) {
    if (!address) return;
    auto port = start(*address);
    if (!port) throw ConfigError(config_file_ + ": listen." + name + ": " + port.error());
    ports_[name] = *port;
    spdlog::info("{}: {} listening on {} (port {})", log_prefix_, name, *address, *port);
  }

  // {"mqtt": 1883, ...}: what --ready-file gets.
  const nlohmann::json& ports() const { return ports_; }

 private:
  std::string log_prefix_;
  std::string config_file_;
  nlohmann::json ports_ = nlohmann::json::object();
};

}  // namespace outpost::service

// One function per `outpost` subcommand; each returns the process exit code.
#pragma once
#include <string>
#include <vector>

namespace outpost::cli {

int sas_token_command(const std::vector<std::string>& args);

}  // namespace outpost::cli

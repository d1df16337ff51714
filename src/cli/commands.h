// One function per `outpost` subcommand; each returns the process exit code.
#pragma once
#include <string>
#include <vector>

namespace outpost::cli {

int sas_token_command(const std::vector<std::string>& args);
// `outpost cloud monitor ...`: reads outpost-cloud's event stream.
int cloud_command(const std::vector<std::string>& args);
// `outpost cloud device|twin|invoke|deployment ...`: the service API (cloud_api.h).
int cloud_device_command(const std::vector<std::string>& args);
int cloud_twin_command(const std::vector<std::string>& args);
int cloud_invoke_command(const std::vector<std::string>& args);
int cloud_deployment_command(const std::vector<std::string>& args);
// `outpost deployment apply FILE`: a local deployment for the device's agent.
int deployment_command(const std::vector<std::string>& args);
// `outpost list`: the device's modules and their status.
int list_command(const std::vector<std::string>& args);
// `outpost logs <module>`: a module's output (-f follows it).
int logs_command(const std::vector<std::string>& args);
// `outpost check`: configuration and connectivity checks, as iotedge check.
int check_command(const std::vector<std::string>& args);
// `outpost support-bundle`: the daemon's bundle plus the checks, in one zip.
int support_bundle_command(const std::vector<std::string>& args);
// `outpost restart <module>`.
int restart_command(const std::vector<std::string>& args);
// `outpost system status|logs|restart`: outpostd as the systemd service.
int system_command(const std::vector<std::string>& args);
// `outpost config check|apply|import`: outpostd's config.yaml.
int config_command(const std::vector<std::string>& args);

// The name this program was run as: "outpost", or "iotedge" through that link (the version
// line and the hints of `system status` say it back).
const std::string& program_name();

}  // namespace outpost::cli

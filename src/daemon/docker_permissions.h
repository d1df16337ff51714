// What a module's container may not ask for unless the operator allows it, as IoT Edge 1.5
// restricts it (config `allow_elevated_docker_permissions`, default false): no privileged
// mode, no added capabilities, and CHOWN and SETUID dropped.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace outpost::daemon {

// Rewrites `create_options` in place; returns what was taken away ("Privileged",
// "CapAdd NET_ADMIN"), for the log.
std::vector<std::string> restrict_docker_permissions(nlohmann::json& create_options);

}  // namespace outpost::daemon

// The Docker Engine API's shapes, as pure functions (tested without a dockerd): the body of
// a container create, a container's state as IoT Edge maps it, its log stream demultiplexed,
// the PIDs `top` lists, registry credentials as X-Registry-Auth.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "outpost/core/result.h"
#include "outpost/runtime/module_runtime.h"

namespace outpost::runtime {

inline constexpr const char* kSpecLabel = "io.outpost.spec";  // the ModuleSpec a container was made from

// POST /containers/create's body: createOptions, then Image; Env merged (the spec's, then
// createOptions.Env wins a clash, as IoT Edge merges them); Labels merged with the spec's and
// kSpecLabel; the module joins `network` unless createOptions names its own.
nlohmann::json container_create_body(const ModuleSpec& spec, const std::string& network);

// ModuleSpec back from kSpecLabel of an inspected container; nullopt when not ours.
std::optional<ModuleSpec> spec_from_labels(const nlohmann::json& inspect);

// A container's status from GET /containers/{id}/json, mapped as IoT Edge maps it.
ModuleStatus status_from_inspect(const std::string& name, const nlohmann::json& inspect);

// Docker's multiplexed log stream ([stream][0 0 0][u32 BE length] frames) as plain text; a
// stream without frames (a TTY container) is returned as it is.
std::string demultiplex_logs(const std::string& stream);

// The PIDs of GET /containers/{id}/top.
std::vector<std::int64_t> pids_from_top(const nlohmann::json& top);

// X-Registry-Auth: base64url of {"username","password","serveraddress"}.
std::string registry_auth_header(const nlohmann::json& auth);

// "2026-12-04T05:30:00.123456789Z" -> unix seconds; nullopt for Docker's zero time.
std::optional<std::int64_t> docker_time(const std::string& text);

}  // namespace outpost::runtime

// A ModuleSpec as JSON, the one form both runtimes keep it in (the process runtime in
// module.json, the Docker runtime in a container label), so a restarted daemon reads back
// exactly what it created.
#pragma once
#include <nlohmann/json.hpp>

#include "outpost/runtime/module_runtime.h"

namespace outpost::runtime {

nlohmann::json spec_to_json(const ModuleSpec& spec);
// Whatever is missing or of the wrong type reads as empty: the caller checks the name.
ModuleSpec spec_from_json(const nlohmann::json& json);

}  // namespace outpost::runtime

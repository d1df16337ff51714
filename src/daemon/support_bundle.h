// `GET /systeminfo/supportbundle`: what an operator sends when asking for help, as one zip —
// system information, the modules and their state, their logs — and never a key (specs go
// without registry credentials; no key file is read).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "outpost/core/result.h"

namespace outpost::daemon {

// A zip (libzip, deflated) of `files`: (path in the zip, content).
Result<std::string> zip_files(const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace outpost::daemon

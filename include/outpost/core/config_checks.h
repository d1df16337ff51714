// Checks of what a configuration names on disk, made before a daemon serves anything, so
// that a bad path is a configuration error (listed by `--check`) and not a failure after
// the ports are bound. Each error says what is wrong with which path.
#pragma once
#include <string>

#include "outpost/core/result.h"

namespace outpost {

// The file exists, is a regular file and can be opened for reading.
Status check_readable_file(const std::string& path);

// The folder exists and is writable, or can be created: its nearest existing ancestor is a
// writable folder.
Status check_writable_folder(const std::string& path);

// A --ready-file can be written: its folder exists and is writable.
Status check_ready_file(const std::string& path);

}  // namespace outpost

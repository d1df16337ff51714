// Small whole-file reads and writes: key files, certificates, state a daemon keeps in its
// home folder. Errors name the path and the reason.
#pragma once
#include <cstddef>
#include <string>

#include "outpost/core/result.h"

namespace outpost {

// The bytes of a regular file (devices, FIFOs and folders are refused), at most `max_bytes`
// of them (a key or certificate file that is megabytes long is a mistake, not data).
Result<std::string> read_whole_file(const std::string& path, std::size_t max_bytes = 1024 * 1024);

// Writes `content` to `path` atomically (a temporary file in the same folder, fsync,
// rename), with permissions `mode` from the start: a secret is never readable by others,
// not even for a moment.
Status write_file_atomically(const std::string& path, std::string_view content, unsigned mode = 0600);

}  // namespace outpost

// A file compiled into the binary (cmake/embed_files.cmake writes the tables).
#pragma once
#include <span>
#include <string_view>

namespace outpost::cloud {

struct EmbeddedFile {
  std::string_view path;    // relative to the embedded folder: "app.js", "pages/devices.js"
  std::string_view bytes;
  std::string_view sha256;  // hex, of `bytes`
};

// The dashboard's static files (src/cloud/dashboard/), embedded at build time.
std::span<const EmbeddedFile> dashboard_files();

}  // namespace outpost::cloud

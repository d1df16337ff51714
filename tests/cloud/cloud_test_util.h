// Shared bits of the cloud unit tests: a temporary folder and a storage opened in it.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <string>

#include "outpost/core/crypto.h"

namespace outpost::cloud::testing {

class TempDir {
 public:
  TempDir() : path_(std::filesystem::temp_directory_path() / ("outpost-cloud-test-" + random_hex_id(6))) {
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace outpost::cloud::testing

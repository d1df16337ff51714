#include "outpost/core/config_checks.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace outpost {
namespace {

namespace fs = std::filesystem;

Status check_writable_existing_folder(const fs::path& folder, const std::string& shown) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return make_error(fmt::format("'{}' is not a folder", shown));
  if (::access(folder.c_str(), W_OK | X_OK) != 0)
    return make_error(fmt::format("folder '{}' is not writable: {}", shown, std::strerror(errno)));
  return {};
}

}  // namespace

Status check_readable_file(const std::string& path) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (!fs::exists(status)) return make_error(fmt::format("no such file: '{}'", path));
  if (!fs::is_regular_file(status)) return make_error(fmt::format("'{}' is not a file", path));
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(fmt::format("cannot read '{}': {}", path, std::strerror(errno)));
  return {};
}

Status check_writable_folder(const std::string& path) {
  std::error_code ec;
  const auto wanted = fs::absolute(path, ec);
  if (ec) return make_error(fmt::format("'{}': {}", path, ec.message()));
  if (fs::exists(wanted, ec)) return check_writable_existing_folder(wanted, path);
  auto ancestor = wanted.parent_path();
  while (!ancestor.empty() && !fs::exists(ancestor, ec) && ancestor != ancestor.root_path())
    ancestor = ancestor.parent_path();
  const auto ok = check_writable_existing_folder(ancestor, ancestor.string());
  if (!ok) return make_error(fmt::format("cannot create folder '{}': {}", path, ok.error()));
  return {};
}

Status check_ready_file(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return make_error(fmt::format("'{}' is a folder, not a file", path));
  auto folder = fs::path(path).parent_path();
  if (folder.empty()) folder = ".";
  if (!fs::exists(folder, ec)) return make_error(fmt::format("folder '{}' does not exist", folder.string()));
  return check_writable_existing_folder(folder, folder.string());
}

}  // namespace outpost

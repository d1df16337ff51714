#include "deployment_backup.h"

#include <filesystem>

#include <fmt/format.h>

#include "outpost/core/crypto.h"
#include "outpost/core/encoding.h"
#include "outpost/core/file_io.h"
#include "outpost/core/json.h"

namespace outpost::agent {

using nlohmann::json;

DeploymentBackup::DeploymentBackup(std::string file, workload::WorkloadClient workload)
    : file_(std::move(file)), workload_(std::move(workload)) {}

Status DeploymentBackup::save(const json& desired) const {
  const auto iv = random_bytes(16);
  auto sealed = workload_.encrypt(desired.dump(), iv);
  if (!sealed) return with_context("deployment backup: ", sealed.failure());
  const json file{{"initializationVector", base64_encode(iv)}, {"ciphertext", base64_encode(*sealed)}};
  return write_file_atomically(file_, file.dump(), 0600);
}

Result<json> DeploymentBackup::load() const {
  std::error_code ec;
  if (!std::filesystem::exists(file_, ec)) return make_error(ErrorKind::not_found, fmt::format("{}: no backup yet", file_));
  auto text = read_whole_file(file_, 8 * 1024 * 1024);
  if (!text) return text.failure();
  auto parsed = parse_json(*text);
  const auto iv = parsed && parsed->is_object() ? base64_decode(string_field(*parsed, "initializationVector")) : std::nullopt;
  const auto sealed = parsed && parsed->is_object() ? base64_decode(string_field(*parsed, "ciphertext")) : std::nullopt;
  if (!iv || !sealed) return make_error(ErrorKind::storage_corrupt, fmt::format("{}: not a deployment backup", file_));
  auto opened = workload_.decrypt(*sealed, *iv);
  if (!opened) return with_context(file_ + ": ", opened.failure());
  auto desired = parse_json(*opened);
  if (!desired) return make_error(ErrorKind::storage_corrupt, fmt::format("{}: {}", file_, desired.error()));
  return std::move(*desired);
}

}  // namespace outpost::agent

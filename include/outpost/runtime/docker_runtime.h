// The Docker runtime: modules as containers, through the Docker Engine REST API on its unix
// socket (Boost.Beast; no docker CLI, no libcurl). It only ever touches containers that carry
// IoT Edge's owner label; a failed pull of an image present locally is a warning, since
// devices are often offline. Reference: daemon-agent-manifest.md §5.
#pragma once
#include <chrono>
#include <string>

#include "outpost/core/result.h"
#include "outpost/runtime/module_runtime.h"

namespace outpost::runtime {

struct DockerRuntimeOptions {
  std::string socket = "/var/run/docker.sock";
  std::string network = "azure-iot-edge";
  std::chrono::seconds timeout{60};  // per Engine API call; pulls get ten times as long
  // Which daemon owns the containers (outpostd: its homedir), so two Outpost devices sharing
  // one engine — a test machine, a lab host — never list, adopt or remove each other's
  // modules. Empty: every container with the owner label (IoT Edge's one-per-host view).
  std::string instance;
};

class DockerRuntime final : public ModuleRuntime {
 public:
  explicit DockerRuntime(DockerRuntimeOptions options);

  // Whether an engine answers on `socket` (GET /_ping).
  static bool engine_answers(const std::string& socket);

  const char* kind() const override { return "docker"; }
  Status create(const ModuleSpec& spec) override;
  Status start(const std::string& name) override;
  Status stop(const std::string& name, std::chrono::seconds grace) override;
  Status signal_stop(const std::string& name) override;
  Status remove(const std::string& name) override;
  Status prepare(const ModuleSpec& spec) override;  // pulls the image as spec.image_pull_policy says
  Result<ModuleStatus> status(const std::string& name) override;
  Result<std::vector<ModuleStatus>> list() override;
  Result<ModuleSpec> spec(const std::string& name) override;
  bool owns_process(const std::string& name, std::int64_t pid) override;
  Result<std::string> logs(const std::string& name, const LogOptions& options) override;

  // The module network, created when missing.
  Status ensure_network();
  // Pulls `image` as `policy` says; a failed pull of an image present locally is a warning.
  Status ensure_image(const std::string& image, const std::string& policy, const nlohmann::json& auth);

 private:
  struct Reply;
  Result<Reply> call(const std::string& method, const std::string& path, const std::string& body = {},
                     std::vector<std::pair<std::string, std::string>> headers = {},
                     std::chrono::seconds timeout = std::chrono::seconds(0));
  Result<nlohmann::json> inspect_owned(const std::string& name);  // not_found unless ours

  DockerRuntimeOptions options_;
};

}  // namespace outpost::runtime

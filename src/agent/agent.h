// The agent's loop: take the deployment (from a local file today; from the $edgeAgent twin
// next), validate it (an invalid one leaves what runs alone and is reported with its code),
// reconcile, report, and wait — for a new deployment, a cool-off or retry that ends, or the
// next look at the runtime (a module that exited is seen within `runtime_poll`). On stop,
// modules are stopped in reverse startupOrder.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "agent_state.h"
#include "outpost/agent/manifest.h"
#include "outpost/management_client/management_client.h"
#include "reconciler.h"

namespace outpost::agent {

struct AgentSettings {
  std::string agent_name = "edgeAgent";  // its own name in the runtime: never planned
  std::string storage_dir = ".";         // agent-state.json, reported.json
  std::string deployment_file;           // local mode: the manifest, watched
  RestartSettings restart;
  std::chrono::milliseconds runtime_poll{1000};
};

class Agent {
 public:
  Agent(AgentSettings settings, management::ManagementClient management, AgentState state);

  // Runs until stop() (from any thread, e.g. a signal watcher); then stops the modules.
  void run();
  void stop();
  // A deployment from elsewhere (the twin, the CLI); thread-safe, wakes the loop.
  void offer_deployment(nlohmann::json deployment);
  // Look again now (the deployment file changed); thread-safe.
  void wake();

  // The reported properties as IoT Edge's agent writes them (for the twin and reported.json).
  nlohmann::json reported() const;
  const management::ManagementClient& management() const { return management_; }
  // Called after every pass with the reported properties (the twin link sends what changed).
  // Set before run().
  void on_report(std::function<void(const nlohmann::json&)> reporter) { reporter_ = std::move(reporter); }
  // Called with each deployment accepted (valid) as it came (the cloud's: for the offline
  // backup). Set before run().
  void on_accepted(std::function<void(const nlohmann::json&)> keeper) { keeper_ = std::move(keeper); }

 private:
  void check_deployment_file();
  void accept(const nlohmann::json& deployment);
  void report(const PassResult& pass);
  void stop_modules();

  AgentSettings settings_;
  management::ManagementClient management_;
  AgentState state_;
  Reconciler reconciler_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::optional<nlohmann::json> offered_;
  bool woken_ = false;

  std::optional<DeploymentManifest> manifest_;  // the last valid one
  ManifestStatus last_status_{406, "no deployment yet"};
  std::int64_t last_desired_version_ = 0;
  std::string file_signature_;  // mtime and size of the deployment file last read
  nlohmann::json reported_ = nlohmann::json::object();
  std::function<void(const nlohmann::json&)> reporter_;
  std::function<void(const nlohmann::json&)> keeper_;
  mutable std::mutex reported_mutex_;
};

}  // namespace outpost::agent

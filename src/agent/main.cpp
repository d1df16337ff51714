// outpost-agent: the edge agent ($edgeAgent), started and watched by outpostd. It takes its
// configuration from the environment the daemon gives every module (docs/AGENT.md):
//   IOTEDGE_MANAGEMENTURI   the daemon's management API (required)
//   IOTEDGE_MODULEID        its own identity ($edgeAgent)
//   OUTPOST_AGENT_NAME      its own name in the runtime (default edgeAgent): never planned
//   StorageFolder           where it keeps its state (default: its working directory)
//   OUTPOST_DEPLOYMENT_FILE local mode: the deployment manifest to run, watched
//   MaxRestartCount         give up on a module after this many restarts (default: never)
//   CoolOffTimeUnitInSeconds  the first restart's cool-off (default 10; doubled up to 300)
#include <atomic>
#include <optional>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include <spdlog/spdlog.h>

#include "agent.h"
#include "agent_methods.h"
#include "deployment_backup.h"
#include "outpost/client/module_client.h"
#include "outpost/net/http_fetch.h"
#include "outpost/workload_client/workload_client.h"
#include "outpost/core/file_io.h"
#include "outpost/core/file_watch.h"
#include "twin_link.h"
#include "upload_tasks.h"

namespace {

std::string variable(const char* name, std::string fallback = "") {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

// The agent's own workload API client (as $edgeAgent), or nullopt (logged) without one.
std::optional<outpost::workload::WorkloadClient> workload_client(const char* what) {
  auto endpoint = outpost::workload::parse_workload_uri(variable("IOTEDGE_WORKLOADURI"));
  if (!endpoint) {
    spdlog::warn("agent: no {}: {}", what, endpoint.error());
    return std::nullopt;
  }
  outpost::workload::WorkloadClientSettings settings;
  settings.endpoint = std::move(*endpoint);
  settings.module_id = variable("IOTEDGE_MODULEID", "$edgeAgent");
  settings.generation_id = variable("IOTEDGE_MODULEGENERATIONID");
  settings.transport = &outpost::net::fetch;
  return outpost::workload::WorkloadClient(std::move(settings));
}

// The backup of the cloud's deployment, encrypted through the workload API as $edgeAgent.
std::shared_ptr<outpost::agent::DeploymentBackup> offline_backup(const std::string& storage_dir) {
  auto client = workload_client("offline backup");
  if (!client) return nullptr;
  return std::make_shared<outpost::agent::DeploymentBackup>(storage_dir + "/backup.json", std::move(*client));
}

// What upload URLs are trusted with, as IoT Edge's agent trusts them: the system's CAs and the
// workload API's trust bundle (config.yaml's trusted_ca_certs), in one file; "" (the system's
// store alone) when the bundle cannot be had.
std::string upload_trust(const std::string& storage_dir) {
  auto client = workload_client("trust bundle for uploads");
  auto trust = client ? client->trust_bundle_and_system_cas() : outpost::Result<std::string>(outpost::make_error("no workload API"));
  if (!trust) {
    spdlog::warn("agent: uploads trust the system's CAs only: {}", trust.error());
    return {};
  }
  const auto file = storage_dir + "/upload-ca.pem";
  if (auto ok = outpost::write_file_atomically(file, *trust, 0644); !ok) {
    spdlog::warn("agent: uploads trust the system's CAs only: {}", ok.error());
    return {};
  }
  return file;
}

}  // namespace

int main() {
  using namespace outpost;
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ [agent] %l %v", spdlog::pattern_time_type::utc);
  if (variable("RuntimeLogLevel") == "debug") spdlog::set_level(spdlog::level::debug);

  const auto uri = variable("IOTEDGE_MANAGEMENTURI");
  if (uri.empty()) {
    std::fprintf(stderr, "outpost-agent: IOTEDGE_MANAGEMENTURI is not set (outpostd sets it for the agent it starts)\n");
    return 2;
  }
  auto management = management::ManagementClient::create({uri});
  if (!management) {
    std::fprintf(stderr, "outpost-agent: %s\n", management.error().c_str());
    return 2;
  }
  agent::AgentSettings settings;
  // Its runtime name: outpostd says it (config.yaml's agent.name); IoT Edge's is edgeAgent.
  settings.agent_name = variable("OUTPOST_AGENT_NAME", "edgeAgent");
  settings.storage_dir = variable("StorageFolder", ".");
  settings.deployment_file = variable("OUTPOST_DEPLOYMENT_FILE");
  if (const auto max = variable("MaxRestartCount"); !max.empty()) settings.restart.max_restarts = std::stoul(max);
  if (const auto unit = variable("CoolOffTimeUnitInSeconds"); !unit.empty())
    settings.restart.cool_off_unit = std::chrono::seconds(std::stoul(unit));
  auto state = agent::AgentState::load(settings.storage_dir + "/agent-state.json");
  if (!state) {
    std::fprintf(stderr, "outpost-agent: %s\n", state.error().c_str());
    return 1;
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  agent::Agent agent(settings, std::move(*management), std::move(*state));
  std::atomic<bool> stopping{false};
  std::thread watcher([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    spdlog::info("agent: stopping (signal {})", signal);
    stopping = true;
    agent.stop();
  });

  // With a cloud: the deployment is the $edgeAgent twin's desired properties. The agent talks
  // to the cloud itself (as IoT Edge's does), never through the edge hub it deploys.
  agent::UploadTasks uploads;  // declared before the client whose handlers use it: outlives them
  std::unique_ptr<agent::TwinLink> twin;
  std::thread cloud;
  if (settings.deployment_file.empty()) {
    ::unsetenv("IOTEDGE_GATEWAYHOSTNAME");
    client::ClientOptions options;
    static std::atomic<agent::TwinLink*> link{nullptr};
    // Twin reads and reports normally take milliseconds; this bounds one that waits for a
    // cloud that went away (the SDK's default is a minute), e.g. the last report at shutdown.
    options.operationTimeout = std::chrono::seconds(10);
    options.onConnectionStatus = [](client::ConnectionStatus status, client::ConnectionReason reason, const std::string&) {
      auto* l = link.load();
      if (!l) return;
      l->set_connected(status == client::ConnectionStatus::connected);
      if (status == client::ConnectionStatus::connected && reason == client::ConnectionReason::ok) l->reconnected();
    };
    try {
      twin = std::make_unique<agent::TwinLink>(client::ModuleClient::fromEnvironment(options),
                                               [&agent](const nlohmann::json& desired) { agent.offer_deployment(desired); });
    } catch (const client::ClientError& e) {
      std::fprintf(stderr, "outpost-agent: the cloud connection: %s\n", e.what());
      return 2;
    }
    link = twin.get();
    agent::serve_agent_methods(twin->client(), agent.management(), uploads,
                               {variable("IOTEDGE_IOTHUBHOSTNAME"), variable("IOTEDGE_DEVICEID"),
                                upload_trust(settings.storage_dir)});
    agent.on_report([&twin, &stopping](const nlohmann::json& reported) {
      // Stopping with the cloud away: the modules are stopped; waiting to say so would only
      // hold up the daemon's shutdown. The next start reports the whole state again.
      if (stopping && !twin->connected()) {
        spdlog::info("agent: the cloud is not connected; the stopped modules are reported at the next start");
        return;
      }
      twin->report(reported);
    });
    // The last deployment from the cloud, encrypted: a device booting offline runs it at once.
    if (auto backup = offline_backup(settings.storage_dir)) {
      if (auto kept = backup->load(); kept) {
        spdlog::info("agent: starting with the deployment kept from the cloud (until the twin is read)");
        agent.offer_deployment(std::move(*kept));
      } else if (kept.error_kind() != ErrorKind::not_found) {
        spdlog::warn("agent: {}", kept.error());
      }
      agent.on_accepted([backup](const nlohmann::json& desired) {
        if (auto saved = backup->save(desired); !saved) spdlog::warn("agent: {}", saved.error());
      });
    }
    cloud = std::thread([&] { twin->start([&] { return stopping.load(); }); });
  }
  std::unique_ptr<FileWatch> file_watch;
  if (!settings.deployment_file.empty())
    file_watch = std::make_unique<FileWatch>(settings.deployment_file, [&agent] { agent.wake(); });
  spdlog::info("agent: up; management API {}, state in {}, deployment from {}", uri, settings.storage_dir,
               settings.deployment_file.empty() ? "the $edgeAgent twin" : settings.deployment_file);
  agent.run();
  watcher.join();
  if (cloud.joinable()) cloud.join();
  return 0;
}

#include "daemon.h"

#include <unistd.h>

#include <filesystem>
#include <functional>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "agent_watchdog.h"
#include "cloud_registry.h"
#include "docker_permissions.h"
#include "edge_ca.h"
#include "identity_store.h"
#include "key_store.h"
#include "local_device_scope.h"
#include "management_api.h"
#include "module_env.h"
#include "outpost/core/file_io.h"
#include "outpost/runtime/module_runtime.h"
#include "outpost/runtime/docker_runtime.h"
#include "outpost/runtime/process_runtime.h"
#include "runtime_worker.h"
#include "workload_api.h"
#include "workload_sockets.h"

namespace outpost::daemon {

namespace fs = std::filesystem;

struct Daemon::Parts {
  std::optional<KeyStore> keys;
  std::optional<EdgeCa> ca;
  std::optional<IdentityStore> identities;
  std::unique_ptr<CloudRegistry> cloud;  // provisioning: manual
  std::unique_ptr<LocalDeviceScope> device_scope;  // provisioning: local
  std::unique_ptr<runtime::ModuleRuntime> runtime;
  std::unique_ptr<RuntimeWorker> worker;  // the only thread that calls the runtime
  std::unique_ptr<WorkloadApi> workload;
  std::unique_ptr<WorkloadSockets> sockets;
  std::unique_ptr<ManagementApi> management;
  std::unique_ptr<net::HttpServer> management_server;
  std::unique_ptr<AgentWatchdog> watchdog;  // used on the worker
  std::string agent_name;
  std::unique_ptr<net::Timer> tick_timer;
  std::unique_ptr<net::Timer> stop_timer;
  std::function<void()> on_gave_up;
  bool stopping = false;
};

namespace {

// Where IoT Edge mounts the daemon's sockets inside a module's container.
constexpr const char* kContainerWorkloadSocket = "/var/run/iotedge/workload.sock";
constexpr const char* kContainerManagementSocket = "/var/run/iotedge/mgmt.sock";
// A device with no cloud: the local deployment file's folder, read-only, in the agent's and
// the hub's containers. The folder, not the file: `outpost deployment apply` replaces the file
// (a rename), which a file bind would never show, and inotify sees changes through the folder.
constexpr const char* kContainerDeploymentFolder = "/etc/outpost-deployment";

// certificates.trusted_ca_certs as one PEM bundle: added to the modules' trust bundle, and
// what the daemon trusts for the cloud registry's TLS.
Result<std::string> read_trusted_cas(const Certificates& certificates) {
  std::string bundle;
  for (const auto& file : certificates.trusted_ca_certs) {
    auto pem = read_whole_file(file);
    if (!pem) return pem.failure();
    bundle += *pem;
    if (!bundle.empty() && bundle.back() != '\n') bundle += '\n';
  }
  return bundle;
}

}  // namespace

std::string executable_folder() {
  std::error_code ec;
  const auto self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("/usr/bin") : self.parent_path().string();
}

Daemon::Daemon(net::EventLoop& loop, DaemonConfig config, std::string bin_dir)
    : loop_(loop), config_(std::move(config)), bin_dir_(std::move(bin_dir)), parts_(std::make_unique<Parts>()) {}

Daemon::~Daemon() {
  if (!parts_->stopping) {
    parts_->stopping = true;
    finish_stop();
  }
}

void Daemon::on_gave_up(std::function<void()> callback) { parts_->on_gave_up = std::move(callback); }

Status Daemon::start() {
  auto& p = *parts_;
  const auto& home = config_.homedir;
  for (const auto& key : config_.ignored_keys)
    spdlog::info("outpostd: {}: '{}' has no meaning for outpostd and is ignored", config_.config_file, key);
  std::error_code ec;
  fs::create_directories(home, ec);
  if (ec) return make_error(ErrorKind::io, fmt::format("homedir {}: {}", home, ec.message()));

  auto keys = KeyStore::open(home + "/keys");
  if (!keys) return with_context("keys: ", keys.failure());
  p.keys.emplace(std::move(*keys));

  auto ca = config_.certificates.device_ca_cert.empty()
                ? EdgeCa::load_or_generate(home + "/ca", "Outpost edge CA " + config_.provisioning.device_id,
                                           config_.certificates.auto_generated_ca_lifetime_days)
                : EdgeCa::load(config_.certificates.device_ca_cert, config_.certificates.device_ca_pk);
  if (!ca) return with_context("edge CA: ", ca.failure());
  p.ca.emplace(std::move(*ca));
  auto trusted = read_trusted_cas(config_.certificates);
  if (!trusted) return with_context("certificates.trusted_ca_certs: ", trusted.failure());
  auto bundle = p.ca->certificate_pem();
  if (!bundle.empty() && bundle.back() != '\n') bundle += '\n';
  bundle += *trusted;

  auto identities = IdentityStore::open(home + "/identities.json");
  if (!identities) return with_context("identities: ", identities.failure());
  p.identities.emplace(std::move(*identities));
  if (auto ok = connect_cloud_registry(*trusted); !ok) return ok;

  // The runtime: Docker when asked for, or (left to us) when an engine answers; else processes.
  const auto docker_socket = *unix_socket_path(config_.moby_runtime.uri);
  const bool engine = runtime::DockerRuntime::engine_answers(docker_socket);
  if (config_.runtime == RuntimeChoice::docker && !engine)
    return make_error(ErrorKind::unavailable,
                      fmt::format("runtime: docker, but no Docker engine answers on {} (moby_runtime.uri)", config_.moby_runtime.uri));
  if (config_.runtime == RuntimeChoice::docker || (config_.runtime == RuntimeChoice::automatic && engine)) {
    p.runtime = std::make_unique<runtime::DockerRuntime>(
        runtime::DockerRuntimeOptions{docker_socket, config_.moby_runtime.network, std::chrono::seconds(60), home});
    config_.images.add_defaults(default_docker_images());
  } else {
    p.runtime = std::make_unique<runtime::ProcessRuntime>(runtime::ProcessRuntimeOptions{home + "/modules"});
    config_.images.add_defaults(default_process_images(bin_dir_));
    if (config_.runtime == RuntimeChoice::automatic)
      spdlog::info("outpostd: no Docker engine answers on {}: modules run as processes", config_.moby_runtime.uri);
  }
  spdlog::info("outpostd: {} runtime", p.runtime->kind());

  p.worker = std::make_unique<RuntimeWorker>(loop_);
  auto* runtime = p.runtime.get();
  auto* worker = p.worker.get();
  auto* ids = &*p.identities;
  p.workload = std::make_unique<WorkloadApi>(
      WorkloadSettings{config_.provisioning.iothub_hostname, config_.provisioning.device_id, bundle, ""}, *p.keys, *p.ca,
      [ids, naming = ModuleNaming{config_.agent.name}](const std::string& url_name) -> std::optional<ModuleIdentity> {
        const auto identity = ids->find(naming.identity_of_url_name(url_name));
        if (!identity) return std::nullopt;
        return ModuleIdentity{identity->module_id, identity->generation_id, naming.runtime_name_of_identity(identity->module_id)};
      },
      [runtime, worker](const std::string& name, std::int64_t pid, std::function<void(bool)> done) {
        worker->run<bool>([runtime, name, pid] { return runtime->owns_process(name, pid); }, std::move(done));
      });
  p.sockets = std::make_unique<WorkloadSockets>(loop_, *p.workload, home + "/mnt");
  if (auto ok = p.sockets->open_shared(*unix_socket_path(config_.listen.workload_uri)); !ok)
    return with_context("listen.workload_uri: ", ok.failure());

  // No cloud: the agent takes its deployment from a file beside config.yaml (docs/AGENT.md),
  // and the hub its routes from the same file.
  const std::string local_deployment_file =
      config_.provisioning.source == ProvisioningSource::local
          ? config_.agent.env.count("OUTPOST_DEPLOYMENT_FILE")
                ? config_.agent.env.at("OUTPOST_DEPLOYMENT_FILE")
                : (fs::absolute(config_.config_file).parent_path() / "deployment.json").string()
          : std::string();
  const DeviceContext device{config_.provisioning.iothub_hostname, config_.provisioning.device_id, config_.hostname,
                             config_.connect.management_uri, home + "/mnt", config_.moby_runtime.network,
                             local_deployment_file};
  p.agent_name = config_.agent.name;
  p.management = std::make_unique<ManagementApi>(
      ManagementSettings{p.agent_name, config_.provisioning.source == ProvisioningSource::local ? "local" : "manual",
                         OUTPOST_VERSION, std::chrono::seconds(30)},
      *p.worker, *p.runtime, *p.identities,
      [this, device](const RequestedModule& requested, const StoredIdentity& identity) {
        return prepare_module(device, requested, identity);
      },
      [this](const std::string& name) { parts_->sockets->close_for_module(name); });
  if (config_.provisioning.source == ProvisioningSource::local) {
    p.device_scope = std::make_unique<LocalDeviceScope>(config_.provisioning.iothub_hostname, config_.provisioning.device_id,
                                                        *p.keys, *p.identities);
    p.management->set_device_scope([scope = p.device_scope.get()](const net::HttpRequest& r) { return scope->handle(r); });
  }
  p.workload->set_module_list([api = p.management.get()](std::function<void(net::HttpResponse)> reply) { api->list(std::move(reply)); });
  p.management_server = std::make_unique<net::HttpServer>(
      loop_, [api = p.management.get()](net::HttpRequest&& request, net::HttpResponder responder) {
        api->handle(std::move(request), std::move(responder));
      });
  const auto management_path = *unix_socket_path(config_.listen.management_uri);
  fs::create_directories(fs::path(management_path).parent_path(), ec);
  if (auto ok = p.management_server->listen_unix(management_path); !ok)
    return with_context("listen.management_uri: ", ok.failure());

  // Modules from before a restart keep their containers (or processes), and a container's
  // workload socket is a bind mount of <homedir>/mnt/<m>.sock: each must exist again before the
  // agent starts them (Docker would make a directory where the socket is missing).
  const ModuleNaming naming{config_.agent.name};
  for (const auto& identity : p.identities->list()) {
    if (identity.module_id == "$edgeAgent") continue;  // opened below, and by every tick
    if (auto ok = p.sockets->open_for_module(naming.runtime_name_of_identity(identity.module_id)); !ok)
      spdlog::warn("outpostd: workload socket of '{}': {}", identity.module_id, ok.error());
  }

  // The agent: $edgeAgent's identity, its environment, and the watchdog that keeps it up.
  auto agent_identity = p.identities->get_or_create("$edgeAgent", "iotedge");
  if (!agent_identity) return with_context("identities: ", agent_identity.failure());
  RequestedModule agent;
  agent.name = p.agent_name;
  agent.image = config_.agent.image;
  agent.create_options = config_.agent.create_options;
  agent.env.assign(config_.agent.env.begin(), config_.agent.env.end());
  if (!config_.agent.env.count("RuntimeLogLevel")) agent.env.emplace_back("RuntimeLogLevel", config_.log_level);
  // Its own name in the runtime (agent.name, edgeAgent unless renamed): never in its plans.
  agent.env.emplace_back("OUTPOST_AGENT_NAME", p.agent_name);
  auto agent_spec = prepare_module(device, agent, *agent_identity);
  if (!agent_spec) return with_context("agent: ", agent_spec.failure());
  // The watchdog runs on the worker. prepare_module opened the agent's socket (also for an agent
  // adopted from an earlier daemon); each tick opens it again should a DELETE have closed it.
  p.watchdog = std::make_unique<AgentWatchdog>(*p.runtime, std::move(*agent_spec), config_.watchdog_max_retries);

  p.tick_timer = loop_.make_timer();
  tick();
  return {};
}

// provisioning: manual — module identities live in the cloud registry; identities.json caches
// them, so a device that boots offline keeps its modules' keys.
Status Daemon::connect_cloud_registry(const std::string& trusted_cas) {
  auto& p = *parts_;
  const auto& provisioning = config_.provisioning;
  if (provisioning.source != ProvisioningSource::manual) return {};
  CloudRegistrySettings cloud{provisioning.iothub_hostname, provisioning.device_id, provisioning.device_key,
                              {}, {}, "https://" + provisioning.iothub_hostname, "", std::chrono::seconds(10)};
  if (provisioning.method == DeviceAuth::x509) {
    cloud.client_cert_file = provisioning.identity_cert;
    cloud.client_key_file = provisioning.identity_pk;
  }
  if (!trusted_cas.empty()) {  // fetch() takes one CA file
    cloud.ca_file = config_.homedir + "/cloud-ca.pem";
    if (auto ok = write_file_atomically(cloud.ca_file, trusted_cas, 0644); !ok) return ok;
  }
  p.cloud = std::make_unique<CloudRegistry>(std::move(cloud), *p.keys);
  auto* registry = p.cloud.get();
  p.identities->set_authority(
      {[registry](const std::string& module_id, const std::string& managed_by) { return registry->ensure_module(module_id, managed_by); },
       [registry](const std::string& module_id) { return registry->delete_module(module_id); }});
  spdlog::info("outpostd: module identities in the cloud registry of {}", provisioning.iothub_hostname);
  return {};
}

// Once a second: the runtime's housekeeping, then the watchdog, both on the worker.
void Daemon::tick() {
  auto& p = *parts_;
  if (p.stopping) return;
  if (auto ok = p.sockets->open_for_module(p.agent_name); !ok)
    spdlog::error("outpostd: the agent's workload socket: {}", ok.error());
  auto* runtime = p.runtime.get();
  auto* watchdog = p.watchdog.get();
  p.worker->run<bool>(
      [runtime, watchdog] {
        runtime->tick();
        return watchdog->check(AgentWatchdog::Clock::now());
      },
      [this](bool keep_going) {
        auto& parts = *parts_;
        if (parts.stopping) return;
        if (!keep_going) {
          if (parts.on_gave_up) parts.on_gave_up();
          return;
        }
        parts.tick_timer->start(std::chrono::seconds(1), [this] { tick(); });
      });
}

Result<runtime::ModuleSpec> Daemon::prepare_module(const DeviceContext& device, const RequestedModule& requested,
                                                   const StoredIdentity& identity) {
  auto& p = *parts_;
  const auto name = requested.name;
  const auto role = name == p.agent_name ? ModuleRole::agent : name == "edgeHub" ? ModuleRole::hub : ModuleRole::user;
  if (auto ok = p.sockets->open_for_module(name); !ok) return ok.failure();
  runtime::ModuleSpec spec;
  spec.name = name;
  spec.image = config_.images.resolve(requested.image);
  spec.create_options = requested.create_options;
  spec.image_pull_policy = requested.image_pull_policy;
  spec.registry_auth = requested.auth;
  spec.labels = request_labels(requested);
  const auto workload_socket = p.sockets->module_socket_path(name);
  const bool docker = std::string(p.runtime->kind()) == "docker";
  auto device_seen = device;
  std::string workload_uri = "unix://" + workload_socket;
  if (docker) {
    // Inside a container the sockets are where IoT Edge mounts them.
    workload_uri = "unix://" + std::string(kContainerWorkloadSocket);
    device_seen.management_uri = "unix://" + std::string(kContainerManagementSocket);
    if (!config_.allow_elevated_docker_permissions)
      for (const auto& taken : restrict_docker_permissions(spec.create_options))
        spdlog::warn("outpostd: module '{}': {} removed (allow_elevated_docker_permissions is false)", name, taken);
    auto& binds = spec.create_options["HostConfig"]["Binds"];
    if (!binds.is_array()) binds = nlohmann::json::array();
    binds.push_back(workload_socket + ":" + kContainerWorkloadSocket);
    // The agent manages; the hub of a device with no cloud reads module identities there.
    if (role == ModuleRole::agent || (role == ModuleRole::hub && !device.local_deployment_file.empty()))
      binds.push_back(*unix_socket_path(config_.connect.management_uri) + ":" + kContainerManagementSocket);
    if (role != ModuleRole::user && !device.local_deployment_file.empty()) {
      const fs::path file(device.local_deployment_file);
      binds.push_back(file.parent_path().string() + ":" + kContainerDeploymentFolder + ":ro");
      device_seen.local_deployment_file = (fs::path(kContainerDeploymentFolder) / file.filename()).string();
    }
    if (role == ModuleRole::hub) {
      // Modules reach the hub by the device's host name on the module network.
      auto& endpoints = spec.create_options["NetworkingConfig"]["EndpointsConfig"];
      if (!endpoints.is_object() || endpoints.empty()) endpoints = {{config_.moby_runtime.network, {{"Aliases", {config_.hostname}}}}};
    }
  }
  spec.env = merge_environment(module_environment(device_seen, identity.module_id, identity.generation_id, role, workload_uri),
                               requested.env);
  return spec;
}

void Daemon::stop(std::function<void()> stopped) {
  auto& p = *parts_;
  if (p.stopping) return;
  p.stopping = true;
  if (p.tick_timer) p.tick_timer->cancel();
  if (!p.worker || !p.watchdog) {
    finish_stop();
    if (stopped) stopped();
    return;
  }
  // The agent stops its modules (in reverse start order) when it gets SIGTERM, through the
  // management API: the loop and the worker keep serving it. It has 30 s, as IoT Edge gives it.
  auto* watchdog = p.watchdog.get();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  p.worker->run<bool>(
      [watchdog] {
        if (auto ok = watchdog->signal_stop(); !ok) spdlog::error("outpostd: stopping the agent: {}", ok.error());
        return true;
      },
      [this, deadline, stopped = std::move(stopped)](bool) mutable { wait_for_agent(deadline, std::move(stopped)); });
}

void Daemon::wait_for_agent(std::chrono::steady_clock::time_point deadline, std::function<void()> stopped) {
  auto* watchdog = parts_->watchdog.get();
  parts_->worker->run<bool>([watchdog] { return watchdog->agent_running(); },
                            [this, deadline, stopped = std::move(stopped)](bool running) mutable {
                              if (running && std::chrono::steady_clock::now() < deadline) {
                                if (!parts_->stop_timer) parts_->stop_timer = loop_.make_timer();
                                parts_->stop_timer->start(std::chrono::milliseconds(100),
                                                          [this, deadline, stopped = std::move(stopped)]() mutable {
                                                            wait_for_agent(deadline, std::move(stopped));
                                                          });
                                return;
                              }
                              if (running) spdlog::warn("outpostd: the agent did not stop within 30 s: killing it");
                              finish_stop();
                              if (stopped) stopped();
                            });
}

// What is left once the agent is gone (or at once): no more API requests, the agent ended
// for sure, the worker joined, the sockets closed.
void Daemon::finish_stop() {
  auto& p = *parts_;
  if (p.stop_timer) p.stop_timer->cancel();
  if (p.management_server) p.management_server->stop();
  if (p.worker) {
    if (p.watchdog) {
      auto* watchdog = p.watchdog.get();
      p.worker->run_and_wait([watchdog] {
        if (auto ok = watchdog->stop(std::chrono::seconds(0)); !ok)
          spdlog::error("outpostd: stopping the agent: {}", ok.error());
      });
    }
    p.worker->stop();
  }
  if (p.sockets) p.sockets->stop();
}

nlohmann::json Daemon::ready_info() const {
  return {{"workload", *unix_socket_path(config_.listen.workload_uri)},
          {"management", *unix_socket_path(config_.listen.management_uri)},
          {"runtime", parts_->runtime ? parts_->runtime->kind() : ""},
          {"homedir", config_.homedir}};
}

}  // namespace outpost::daemon

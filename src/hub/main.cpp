// outpost-hub: the edge hub. `outpost-hub --config hub.yaml`, or with no hub.yaml as
// $edgeHub under outpostd's agent, configured by its environment (docs/HUB.md).
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string_view>

#include <spdlog/spdlog.h>

#include "deployment_file_watch.h"
#include "edge_hub.h"
#include "hub_startup.h"
#include "management_api.h"
#include "password_hash.h"
#include "system_module.h"
#include "outpost/amqp/server.h"
#include "outpost/core/clock.h"
#include "outpost/core/config.h"
#include "outpost/core/log.h"
#include "outpost/kv/kv_database.h"
#include "outpost/mqtt/server.h"
#include "outpost/net/http_server.h"
#include "outpost/routing/edgehub_config.h"
#include "outpost/service/listeners.h"
#include "outpost/service/service_main.h"
#include "outpost/store/message_store.h"

namespace {

using namespace outpost;

service::ServiceDescription hub_description() {
  service::ServiceDescription hub{
      "outpost-hub", "hub.yaml",
      "check the configuration and everything it names (TLS files, identities, routes, folders, listen addresses); "
      "list every problem, then exit",
      "", {}};
  hub.config_optional = hub::runs_as_system_module("");
  return hub;
}

int run(hub::HubStartup startup, const std::string& ready_file) {
  const auto& config = startup.config;
  auto& identities = startup.identities;
  auto& desired = startup.desired;
  std::filesystem::create_directories(config.storage_folder);
  store::StoreOptions store_options;
  store_options.folder = std::filesystem::path(config.storage_folder) / "messages";
  store_options.fsync = config.fsync;
  store_options.max_bytes = config.max_bytes;
  store_options.wake_on_append = false;  // EdgeHub wakes the writer after its deliveries
  if (desired.store_and_forward.max_size_bytes && *desired.store_and_forward.max_size_bytes > 0) {
    const auto limit = static_cast<std::uint64_t>(*desired.store_and_forward.max_size_bytes);
    store_options.max_bytes = store_options.max_bytes == 0 ? limit : std::min(store_options.max_bytes, limit);
  }
  auto store = store::MessageStore::open(store_options);
  if (!store) throw ConfigError("message store: " + store.error());
  auto kv = kv::KvDatabase::open(std::filesystem::path(config.storage_folder) / "state.db");
  if (!kv) throw ConfigError("state database: " + kv.error());

  net::EventLoop loop;
  hub::HubMetrics metrics(config.hostname, config.device_id);
  hub::EdgeHubSettings settings{config.hostname, config.device_id, config.gateway_hostname, config.delivery_window,
                                std::chrono::duration_cast<std::chrono::milliseconds>(config.ttl_sweep_interval),
                                config.max_held_messages};
  settings.mqtt_broker = config.mqtt_broker;
  settings.device_ca_pem = config.device_ca_pem;
  hub::EdgeHub edge_hub(loop, settings, **store, **kv, std::move(identities), metrics);
  edge_hub.apply_config(std::move(desired));
  // As $edgeHub: with the key from hub.yaml, or through the workload API as a system module.
  const KeySigner sign_as_edgehub = config.system_module ? hub::workload_signer(*config.system_module)
                                    : config.upstream    ? local_key_signer(config.upstream->edgehub_key)
                                                         : KeySigner{};
  if (config.upstream) {
    hub::UpstreamSettings upstream;
    upstream.endpoint = {"ssl://" + config.upstream->mqtt_address, config.upstream->ca_file, config.upstream->hostname};
    if (config.upstream->protocol == hub::UpstreamProtocol::amqp) {
      upstream.amqp = amqp::CloudClientSettings{config.upstream->amqp_address, config.upstream->hostname,
                                                config.upstream->ca_file};
      upstream.amqp->websocket = config.upstream->websocket;
    }
    upstream.edge_device_id = config.device_id;
    upstream.sign = sign_as_edgehub;
    upstream.window = config.upstream->window;
    upstream.idle_timeout = config.upstream->idle_timeout;
    edge_hub.enable_upstream(std::move(upstream));
    hub::ScopeCacheSettings scope;
    scope.api_base = config.upstream->api_base;
    scope.ca_file = config.upstream->ca_file;
    scope.hostname = config.upstream->hostname;
    scope.edge_device_id = config.device_id;
    scope.sign = sign_as_edgehub;
    edge_hub.enable_scope_cache(std::move(scope));
    spdlog::info("hub: upstream to {} as {}/$edgeHub", config.upstream->mqtt_address, config.device_id);
  } else if (config.system_module && !config.system_module->management_socket.empty()) {
    // No cloud: outpostd is the identity authority and serves the same device-scope API.
    hub::ScopeCacheSettings scope;
    scope.api_base = "http://localhost";
    scope.unix_socket = config.system_module->management_socket;
    scope.authority = "outpostd";
    scope.hostname = config.hostname;
    scope.edge_device_id = config.device_id;
    scope.sign = sign_as_edgehub;
    edge_hub.enable_scope_cache(std::move(scope));
    spdlog::info("hub: no cloud; module identities from outpostd, routes from {}", config.system_module->deployment_file);
  }
  std::unique_ptr<hub::DeploymentFileWatch> deployment_watch;
  if (config.system_module && !config.system_module->deployment_file.empty())
    deployment_watch = std::make_unique<hub::DeploymentFileWatch>(loop, config.system_module->deployment_file,
                                                                   [&edge_hub](routing::EdgeHubConfig routes) {
                                                                     edge_hub.apply_config(std::move(routes));
                                                                   });

  hub::ManagementApi api(edge_hub, metrics, config.hostname, config.policies);
  const net::HttpHandler api_handler = [&api](net::HttpRequest&& request, net::HttpResponder responder) {
    api.handle(std::move(request), std::move(responder));
  };
  mqtt::ServerOptions server_options;
  server_options.websocket_http_fallback = api_handler;
  server_options.limits = config.limits;
  server_options.accept_qos2 = true;  // plain topics take QoS 2; IoT Hub topics still refuse it
  server_options.subscription_identifiers = true;  // MQTT 5 on plain topics (edge_hub_plain.cpp)
  server_options.shared_subscriptions = true;
  server_options.on_refused = [&metrics](const char* reason) { metrics.connections_refused(reason).inc(); };
  // AMQP: the same handler behind IoT Hub's AMQP endpoint, on 5671 and beside MQTT on the
  // WebSocket port.
  amqp::ServerOptions amqp_options;
  amqp_options.max_unauthenticated_connections = config.limits.max_unauthenticated_connections;
  amqp_options.tls_handshake_timeout = config.limits.tls_handshake_timeout;
  amqp_options.authenticate_timeout = config.limits.connect_timeout;
  amqp_options.verify_renewal = [&edge_hub](const iothub::Identity& identity, const std::string& token) {
    return edge_hub.verify_token(identity, token);
  };
  amqp_options.on_refused = server_options.on_refused;
  amqp::Server amqp_server(loop, edge_hub, amqp_options);
  server_options.websocket_handoffs.push_back(amqp_server.websocket_handoff());
  mqtt::Server server(loop, edge_hub, server_options);
  std::shared_ptr<net::TlsServerContext> tls;
  if (!config.tls_cert.empty()) {
    // Clients may present a certificate (X.509 leaf devices); one without still connects.
    auto created = net::TlsServerContext::create({config.tls_cert, config.tls_key}, {.request_client_certificates = true});
    if (!created) throw ConfigError(config.config_file + ": tls: " + created.error());
    tls = *created;
  }
  service::Listeners listeners("hub", config.config_file);
  listeners.add("mqtt", config.listen_mqtt, [&](const std::string& a) { return server.listen_tcp(a); });
  listeners.add("mqtts", config.listen_mqtts, [&](const std::string& a) { return server.listen_tls(a, tls); });
  listeners.add("wss", config.listen_wss, [&](const std::string& a) { return server.listen_websocket(a, tls); });
  listeners.add("amqp", config.listen_amqp, [&](const std::string& a) { return amqp_server.listen_tcp(a); });
  listeners.add("amqps", config.listen_amqps, [&](const std::string& a) { return amqp_server.listen_tls(a, tls); });

  net::HttpServer http(loop, api_handler);
  listeners.add("metrics", config.listen_metrics, [&](const std::string& a) { return http.listen(a); });
  listeners.add("https", config.listen_https, [&](const std::string& a) { return http.listen(a, tls); });

  loop.on_signals({SIGINT, SIGTERM, SIGHUP}, [&](int signo) {
    if (signo == SIGHUP && config.system_module) {
      spdlog::info("hub: SIGHUP: nothing to reload (a system module follows its twin or deployment file)");
      return;
    }
    if (signo == SIGHUP) {
      spdlog::info("hub: SIGHUP: reloading {} and {}", config.desired_file, config.identities_file);
      try {
        edge_hub.replace_identities(hub::IdentityRegistry::load_file(config.identities_file));
        edge_hub.apply_config(hub::load_desired_file(config.desired_file));
      } catch (const std::exception& e) {
        spdlog::error("hub: reload refused, keeping the running configuration: {}", e.what());
      }
      return;
    }
    spdlog::info("hub: stopping");
    server.stop();
    amqp_server.stop();
    http.stop();
    (*store)->flush();
    loop.stop();
  });
  // edgeHub's way to renew its server certificate: leave shortly before it expires; the agent
  // starts it again (restartPolicy always) and the workload API issues a new one.
  auto certificate_timer = loop.make_timer();
  if (config.system_module) {
    const auto left = std::chrono::seconds(config.system_module->certificate_expiry_unix - SystemClock::instance().unix_seconds());
    const auto renew_in = std::max<std::chrono::seconds>(left - std::min<std::chrono::seconds>(left / 10, std::chrono::hours(24)),
                                                         std::chrono::seconds(60));
    certificate_timer->start(std::chrono::duration_cast<std::chrono::milliseconds>(renew_in), [&] {
      spdlog::info("hub: the server certificate expires soon: stopping so the agent restarts the hub with a new one");
      server.stop();
      http.stop();
      (*store)->flush();
      loop.stop();
    });
  }
  edge_hub.start();
  write_ready_file(ready_file, listeners.ports());
  spdlog::info("hub: '{}' ready for {} (store {} bytes in {})", config.device_id, config.hostname,
               (*store)->disk_bytes(), store_options.folder.string());
  loop.run();
  (*store)->flush();
  return 0;
}

// `outpost-hub --hash-password`: reads one password line from standard input and prints its
// hash for hub.yaml's mqtt_broker.users (password_hash.h).
int print_password_hash() {
  std::string password;
  if (!std::getline(std::cin, password) || password.empty()) {
    std::fprintf(stderr, "outpost-hub --hash-password: give the password on standard input\n");
    return 2;
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  std::printf("%s\n", hub::hash_password(password).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string_view(argv[1]) == "--hash-password") return print_password_hash();
  return service::service_main(hub_description(), argc, argv, [](const service::ServiceArgs& args) {
    auto startup = hub::runs_as_system_module(args.config_file) ? hub::load_system_module_startup(args.ready_file)
                                                                : hub::load_hub_startup(args.config_file, args.ready_file);
    if (args.check_only) {
      std::printf("%s: ok (%zu identities, %zu routes)\n", args.config_file.c_str(), startup.identities.size(),
                  startup.desired.route_table.size());
      return 0;
    }
    init_logging("hub", startup.config.log_level);
    return run(std::move(startup), args.ready_file);
  });
}

// outpost-cloud: the self-hosted IoT Hub. `outpost-cloud --config cloud.yaml` (docs/CLOUD.md).
#include <csignal>
#include <cstdio>
#include <optional>

#include <spdlog/spdlog.h>

#include "cloud.h"
#include "cloud_config.h"
#include "outpost/core/config.h"
#include "outpost/core/config_checks.h"
#include "outpost/core/log.h"
#include "outpost/amqp/server.h"
#include "outpost/mqtt/server.h"
#include "outpost/net/http_server.h"
#include "outpost/service/listeners.h"
#include "outpost/service/service_main.h"
#include "outpost/service/systemd_notify.h"

namespace {

using namespace outpost;

const service::ServiceDescription kCloud{
    "outpost-cloud", "cloud.yaml",
    "check the configuration and what it names (TLS files, storage folder, listen addresses); list every problem",
    "",
    {{"--print-connection-string", "POLICY", "print a service connection string (e.g. iothubowner)"}}};

// cloud.yaml and the --ready-file's folder, with every problem listed in one ConfigError.
cloud::CloudConfig load_config(const std::string& file, const std::string& ready_file) {
  const auto root = load_yaml_file(file);
  std::optional<cloud::CloudConfig> config;
  root.attempt([&] { config = cloud::read_cloud_config(root); });
  if (!ready_file.empty())
    if (auto ok = check_ready_file(ready_file); !ok) root.problems().add("--ready-file: " + ok.error());
  root.problems().throw_if_any();
  return std::move(*config);
}

int print_connection_string(const cloud::CloudConfig& config, const std::string& policy) {
  net::EventLoop loop;
  cloud::Cloud cloud(loop, config.settings);
  const auto cs = cloud.connection_string(policy);
  if (!cs) {
    std::fprintf(stderr, "outpost-cloud: no shared access policy named '%s'\n", policy.c_str());
    return 1;
  }
  std::printf("%s\n", cs->c_str());
  return 0;
}

int run(const cloud::CloudConfig& config, const std::string& ready_file) {
  net::EventLoop loop;
  cloud::Cloud cloud(loop, config.settings);
  if (cloud.first_start()) {
    spdlog::info("cloud: first start: created the shared access policies iothubowner, service, device, "
                 "registryRead and registryReadWrite in {}",
                 config.settings.storage_folder.string());
    std::fprintf(stderr,
                 "outpost-cloud: first start. Get the owner's connection string with:\n"
                 "  outpost-cloud --config %s --print-connection-string iothubowner\n",
                 config.config_file.c_str());
  }
  std::shared_ptr<net::TlsServerContext> tls;
  if (!config.tls_cert.empty()) {
    // Devices may authenticate with X.509 client certificates, as on IoT Hub (certificate_auth.h).
    auto created = net::TlsServerContext::create({config.tls_cert, config.tls_key}, {.request_client_certificates = true});
    if (!created) throw ConfigError(config.config_file + ": tls: " + created.error());
    tls = *created;
  }
  mqtt::ServerOptions mqtt_options;
  mqtt_options.limits = config.limits;
  mqtt_options.on_refused = [&cloud](const char* reason) { cloud.metrics().connections_refused(reason).inc(); };
  // AMQP: IoT Hub's device endpoint in front of the same handler (5671, and AMQPWSB10 on wss).
  amqp::ServerOptions amqp_options;
  amqp_options.max_unauthenticated_connections = config.limits.max_unauthenticated_connections;
  amqp_options.tls_handshake_timeout = config.limits.tls_handshake_timeout;
  amqp_options.authenticate_timeout = config.limits.connect_timeout;
  amqp_options.on_refused = mqtt_options.on_refused;
  amqp_options.service = &cloud.amqp_service();  // azure-iothub's Client: C2D sends and feedback
  amqp::Server amqp_server(loop, cloud.endpoint(), amqp_options);
  mqtt_options.websocket_handoffs.push_back(amqp_server.websocket_handoff());
  mqtt::Server mqtt_server(loop, cloud.endpoint(), mqtt_options);
  net::HttpServer http(loop, [&cloud](net::HttpRequest&& request, net::HttpResponder responder) {
    cloud.handle_http(std::move(request), std::move(responder));
  });
  service::Listeners listeners("cloud", config.config_file);
  listeners.add("mqtts", config.listen_mqtts, [&](const std::string& a) { return mqtt_server.listen_tls(a, tls); });
  listeners.add("wss", config.listen_wss, [&](const std::string& a) { return mqtt_server.listen_websocket(a, tls); });
  listeners.add("mqtt", config.listen_mqtt, [&](const std::string& a) { return mqtt_server.listen_tcp(a); });
  listeners.add("amqps", config.listen_amqps, [&](const std::string& a) { return amqp_server.listen_tls(a, tls); });
  listeners.add("amqp", config.listen_amqp, [&](const std::string& a) { return amqp_server.listen_tcp(a); });
  listeners.add("https", config.listen_https, [&](const std::string& a) { return http.listen(a, tls); });
  listeners.add("http", config.listen_http, [&](const std::string& a) { return http.listen(a); });

  loop.on_signals({SIGINT, SIGTERM}, [&](int) {
    spdlog::info("cloud: stopping");
    service::systemd_notify("STOPPING=1");
    mqtt_server.stop();
    amqp_server.stop();
    http.stop();
    cloud.stop();
    loop.stop();
  });
  cloud.start();
  write_ready_file(ready_file, listeners.ports());
  // Under systemd (Type=notify, packaging/systemd/outpost-cloud.service): every listener is bound.
  service::systemd_notify("READY=1\nSTATUS=serving devices and the service API");
  spdlog::info("cloud: '{}' ready ({} devices registered)", config.settings.hostname, cloud.storage().count_devices());
  loop.run();
  cloud.stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return service::service_main(kCloud, argc, argv, [](const service::ServiceArgs& args) {
    const auto config = load_config(args.config_file, args.ready_file);
    if (args.check_only) {
      std::printf("%s: ok\n", args.config_file.c_str());
      return 0;
    }
    const auto policy = args.extra.find("--print-connection-string");
    if (policy != args.extra.end()) {
      init_logging("cloud", std::string_view("warning"));
      return print_connection_string(config, policy->second);
    }
    init_logging("cloud", std::optional<std::string_view>(config.log_level));
    return run(config, args.ready_file);
  });
}

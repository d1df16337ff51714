// outpost-cloud: the self-hosted IoT Hub. `outpost-cloud --config cloud.yaml` (docs/CLOUD.md).
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>

#include <spdlog/spdlog.h>

#include "cloud.h"
#include "cloud_config.h"
#include "outpost/core/config.h"
#include "outpost/core/config_checks.h"
#include "outpost/core/log.h"
#include "outpost/mqtt/server.h"
#include "outpost/net/http_server.h"

namespace {

using namespace outpost;

int usage(int code) {
  std::fprintf(code == 0 ? stdout : stderr,
               "usage: outpost-cloud --config cloud.yaml [--check] [--ready-file FILE]\n"
               "       outpost-cloud --config cloud.yaml --print-connection-string POLICY\n"
               "  --check                            check the configuration and what it names (TLS files,\n"
               "                                     storage folder, listen addresses); list every problem\n"
               "  --ready-file FILE                  once serving, write the bound ports there as JSON\n"
               "  --print-connection-string POLICY   print a service connection string (e.g. iothubowner)\n");
  return code;
}

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
    auto created = net::TlsServerContext::create({config.tls_cert, config.tls_key});
    if (!created) throw ConfigError(config.config_file + ": tls: " + created.error());
    tls = *created;
  }
  mqtt::ServerOptions mqtt_options;
  mqtt_options.limits = config.limits;
  mqtt_options.on_refused = [&cloud](const char* reason) { cloud.metrics().connections_refused(reason).inc(); };
  mqtt::Server mqtt_server(loop, cloud.endpoint(), mqtt_options);
  net::HttpServer http(loop, [&cloud](net::HttpRequest&& request, net::HttpResponder responder) {
    cloud.handle_http(std::move(request), std::move(responder));
  });
  nlohmann::json ports = nlohmann::json::object();
  const auto listen = [&](const char* what, const std::optional<std::string>& address, auto&& start) {
    if (!address) return;
    auto port = start(*address);
    if (!port) throw ConfigError(config.config_file + ": listen." + what + ": " + port.error());
    ports[what] = *port;
    spdlog::info("cloud: {} listening on {} (port {})", what, *address, *port);
  };
  listen("mqtts", config.listen_mqtts, [&](const std::string& a) { return mqtt_server.listen_tls(a, tls); });
  listen("wss", config.listen_wss, [&](const std::string& a) { return mqtt_server.listen_websocket(a, tls); });
  listen("mqtt", config.listen_mqtt, [&](const std::string& a) { return mqtt_server.listen_tcp(a); });
  listen("https", config.listen_https, [&](const std::string& a) { return http.listen(a, tls); });
  listen("http", config.listen_http, [&](const std::string& a) { return http.listen(a); });

  loop.on_signals({SIGINT, SIGTERM}, [&](int) {
    spdlog::info("cloud: stopping");
    mqtt_server.stop();
    http.stop();
    cloud.stop();
    loop.stop();
  });
  cloud.start();
  write_ready_file(ready_file, ports);
  spdlog::info("cloud: '{}' ready ({} devices registered)", config.settings.hostname, cloud.storage().count_devices());
  loop.run();
  cloud.stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_file, ready_file, policy;
  bool check_only = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--config" && i + 1 < argc) config_file = argv[++i];
    else if (arg == "--check") check_only = true;
    else if (arg == "--ready-file" && i + 1 < argc) ready_file = argv[++i];
    else if (arg == "--print-connection-string" && i + 1 < argc) policy = argv[++i];
    else if (arg == "--help" || arg == "-h") return usage(0);
    else return usage(2);
  }
  if (config_file.empty()) return usage(2);
  std::signal(SIGPIPE, SIG_IGN);
  try {
    const auto config = load_config(config_file, ready_file);
    if (check_only) {
      std::printf("%s: ok\n", config_file.c_str());
      return 0;
    }
    init_logging("cloud", policy.empty() ? std::optional<std::string_view>(config.log_level) : std::string_view("warning"));
    if (!policy.empty()) return print_connection_string(config, policy);
    return run(config, ready_file);
  } catch (const ConfigError& e) {
    print_config_problems("outpost-cloud", e);
    return 1;
  } catch (const cloud::DatabaseFailure& e) {
    std::fprintf(stderr, "outpost-cloud: storage: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "outpost-cloud: fatal: %s\n", e.what());
    return 1;
  }
}

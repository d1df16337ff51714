#include "device_checks.h"

#include <netdb.h>
#include <sys/statvfs.h>

#include <cmath>
#include <ctime>
#include <filesystem>

#include <fmt/format.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "outpost/core/config.h"
#include "outpost/core/connection_string.h"
#include "outpost/core/file_io.h"
#include "outpost/core/json.h"
#include "outpost/management_client/management_client.h"
#include "outpost/net/http_fetch.h"
#include "programs.h"

namespace outpost::cli {
namespace {

namespace fs = std::filesystem;

CheckOutcome ok(std::string details = {}) { return {CheckResult::ok, std::move(details)}; }
CheckOutcome warning(std::string details) { return {CheckResult::warning, std::move(details)}; }
CheckOutcome error(std::string details) { return {CheckResult::error, std::move(details)}; }
CheckOutcome skipped(std::string details) { return {CheckResult::skipped, std::move(details)}; }

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string unix_path(const std::string& uri) { return uri.rfind("unix://", 0) == 0 ? uri.substr(7) : std::string(); }

Result<net::HttpClientResponse> docker(const DeviceFacts& facts, const std::string& path) {
  net::HttpClientOptions options;
  options.unix_socket = unix_path(facts.moby_uri);
  options.timeout = std::chrono::seconds(5);
  return net::fetch("GET", "http://localhost" + path, {}, {}, options);
}

CheckOutcome config_well_formed(const DeviceFacts& facts) {
  if (!fs::exists(facts.config_file)) return error(facts.config_file + " does not exist (--config names another)");
  if (facts.daemon_binary.empty()) return warning("outpostd is not installed here: only read leniently, not checked");
  const auto [status, output] = capture({facts.daemon_binary, "-c", facts.config_file, "--check"});
  if (status == 0) return ok();
  return error(trim(output));
}

CheckOutcome management_api(const DeviceFacts& facts) {
  auto client = management::ManagementClient::create({facts.management_uri});
  if (!client) return error(client.error());
  auto info = client->system_info();
  if (!info) return error(fmt::format("{}\nIs outpostd running? (systemctl status outpostd)", info.error()));
  return ok(fmt::format("outpostd {} answers on {}", string_field(*info, "version", "?"), facts.management_uri));
}

CheckOutcome container_engine(const DeviceFacts& facts) {
  if (facts.runtime == "process") return skipped("runtime: process (modules run as processes)");
  auto ping = docker(facts, "/_ping");
  if (ping && ping->status == 200) return ok();
  const auto why = ping ? fmt::format("answered {}", ping->status) : ping.error();
  if (facts.runtime == "docker") return error(fmt::format("no container engine on {}: {}", facts.moby_uri, why));
  return warning(fmt::format("no container engine on {} ({}): modules run as processes", facts.moby_uri, why));
}

CheckOutcome hostname(const DeviceFacts& facts) {
  const auto& name = facts.hostname;
  if (name.empty()) return error("config.yaml has no hostname: modules dial the edge hub by it");
  if (name.size() > 64) return error("the hostname is longer than 64 characters (a certificate's common name)");
  if (name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != std::string::npos)
    return error(fmt::format("hostname '{}': only letters, digits, '.' and '-'", name));
  addrinfo* found = nullptr;
  if (::getaddrinfo(name.c_str(), nullptr, nullptr, &found) != 0)
    return warning(fmt::format("'{}' does not resolve here; modules on this machine could not reach the edge hub by it", name));
  ::freeaddrinfo(found);
  return ok();
}

CheckOutcome edge_ca_expiry(const DeviceFacts& facts) {
  const auto file = facts.homedir + "/ca/edge-ca.pem";
  FILE* in = std::fopen(file.c_str(), "r");
  if (!in) return warning(file + " is not there yet: outpostd makes the edge CA at its first start");
  X509* cert = PEM_read_X509(in, nullptr, nullptr, nullptr);
  std::fclose(in);
  if (!cert) return error(file + " is not a PEM certificate");
  int days = 0, seconds = 0;
  const bool diffed = ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(cert)) == 1;
  X509_free(cert);
  if (!diffed) return error(file + ": its expiry cannot be read");
  if (days < 0 || (days == 0 && seconds <= 0)) return error("the edge CA has expired: restart outpostd to renew a generated one, or give a new one");
  if (days < 7) return warning(fmt::format("the edge CA expires in {} days", days));
  return ok(fmt::format("the edge CA expires in {} days", days));
}

CheckOutcome storage_space(const DeviceFacts& facts) {
  fs::path at = facts.homedir;
  std::error_code ec;
  while (!at.empty() && !fs::exists(at, ec)) at = at.parent_path();
  struct statvfs stats {};
  if (at.empty() || ::statvfs(at.c_str(), &stats) != 0) return warning("cannot read the free space of " + facts.homedir);
  const double free_bytes = static_cast<double>(stats.f_bavail) * static_cast<double>(stats.f_frsize);
  const double total = static_cast<double>(stats.f_blocks) * static_cast<double>(stats.f_frsize);
  const auto text = fmt::format("{:.1f} GiB free of {:.1f} GiB under {}", free_bytes / (1 << 30), total / (1 << 30), at.string());
  if (free_bytes < 100.0 * (1 << 20)) return error(text + ": the hub's store and module logs need room");
  if (free_bytes < 1.0 * (1 << 30) || free_bytes < total / 10) return warning(text);
  return ok(text);
}

CheckOutcome logs_policy(const DeviceFacts& facts) {
  if (facts.runtime == "process") return ok("process runtime: each module's output is capped at two files of 1 MiB");
  auto info = docker(facts, "/info");
  if (!info || info->status != 200) return skipped("no container engine answers");
  const auto parsed = parse_json(info->body);
  const auto driver = parsed && parsed->is_object() ? string_field(*parsed, "LoggingDriver") : "";
  if (driver != "json-file" && driver != "local") return ok("logging driver " + driver);
  const auto daemon_json = read_whole_file("/etc/docker/daemon.json");
  const auto settings = daemon_json ? parse_json(*daemon_json) : Result<nlohmann::json>(make_error("missing"));
  if (settings && settings->is_object() && object_field(*settings, "log-opts").contains("max-size")) return ok();
  return warning("container logs are not rotated: set \"log-opts\": {\"max-size\": \"10m\", \"max-file\": \"3\"} in "
                 "/etc/docker/daemon.json (or per module in createOptions)");
}

net::HttpClientOptions cloud_options(const DeviceFacts& facts) {
  net::HttpClientOptions options;
  options.ca_file = facts.trusted_ca_file;
  options.timeout = std::chrono::seconds(10);
  return options;
}

CheckOutcome host_time(const DeviceFacts& facts) {
  if (facts.iothub_hostname.empty()) return skipped("no cloud (provisioning: local)");
  auto reply = net::fetch("GET", "https://" + facts.iothub_hostname + "/", {}, {}, cloud_options(facts));
  const auto date = reply ? reply->header("Date") : "";
  if (date.empty()) return skipped("the IoT hub's time is not known: it cannot be reached");
  std::tm tm{};
  if (!strptime(date.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm)) return skipped("the IoT hub's Date header does not parse: " + date);
  const auto drift = std::difftime(std::time(nullptr), timegm(&tm));
  const auto text = fmt::format("this machine is {:.0f} s {} the IoT hub", std::fabs(drift), drift >= 0 ? "ahead of" : "behind");
  if (std::fabs(drift) > 60) return error(text + ": SAS tokens and certificates will be refused; sync the clock (NTP)");
  if (std::fabs(drift) > 10) return warning(text);
  return ok();
}

CheckOutcome connect_https(const DeviceFacts& facts) {
  if (facts.iothub_hostname.empty()) return skipped("no cloud (provisioning: local)");
  auto reply = net::fetch("GET", "https://" + facts.iothub_hostname + "/", {}, {}, cloud_options(facts));
  if (!reply) return error(reply.error());
  return ok();
}

// A TLS handshake with the hub's MQTT port, its certificate verified for its name.
CheckOutcome connect_mqtt(const DeviceFacts& facts) {
  if (facts.iothub_hostname.empty()) return skipped("no cloud (provisioning: local)");
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_default_verify_paths(ctx);
  if (!facts.trusted_ca_file.empty()) SSL_CTX_load_verify_locations(ctx, facts.trusted_ca_file.c_str(), nullptr);
  BIO* bio = BIO_new_ssl_connect(ctx);
  SSL* ssl = nullptr;
  BIO_get_ssl(bio, &ssl);
  const auto& host = facts.iothub_hostname;
  SSL_set_tlsext_host_name(ssl, host.c_str());
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1) X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
  BIO_set_conn_hostname(bio, (host + ":8883").c_str());
  const bool handshake = BIO_do_handshake(bio) == 1;
  const long verified = SSL_get_verify_result(ssl);
  BIO_free_all(bio);
  SSL_CTX_free(ctx);
  if (!handshake) {
    if (verified != X509_V_OK)
      return error(fmt::format("{}:8883: the certificate is not trusted: {}", host, X509_verify_cert_error_string(verified)));
    return error(fmt::format("{}:8883: no TLS connection (a firewall, or nothing listens there)", host));
  }
  return ok();
}

}  // namespace

DeviceFacts read_device_facts(const std::string& config_file, const std::string& management_uri_override) {
  DeviceFacts facts;
  facts.config_file = config_file;
  facts.management_uri = "unix:///var/run/outpost/mgmt.sock";
  facts.homedir = "/var/lib/outpost";
  facts.moby_uri = "unix:///var/run/docker.sock";
  std::error_code ec;
  const auto self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec && fs::exists(self.parent_path() / "outpostd")) facts.daemon_binary = (self.parent_path() / "outpostd").string();
  else if (fs::exists("/usr/bin/outpostd")) facts.daemon_binary = "/usr/bin/outpostd";
  try {
    const auto root = load_yaml_file(config_file);
    facts.management_uri = root.child("connect").optional_string("management_uri").value_or(facts.management_uri);
    facts.homedir = root.optional_string("homedir").value_or(facts.homedir);
    facts.hostname = root.optional_string("hostname").value_or("");
    facts.runtime = root.optional_string("runtime").value_or("");
    facts.moby_uri = root.child("moby_runtime").optional_string("uri").value_or(facts.moby_uri);
    const auto provisioning = root.child("provisioning");
    facts.provisioning = provisioning.optional_string("source").value_or("manual");
    if (facts.provisioning != "local") {
      if (auto cs = provisioning.optional_string("device_connection_string"))
        if (auto parsed = parse_connection_string(*cs)) facts.iothub_hostname = parsed->host_name;
      if (facts.iothub_hostname.empty())
        facts.iothub_hostname = provisioning.child("authentication").optional_string("iothub_hostname").value_or("");
    }
    const auto trusted = root.child("certificates").child("trusted_ca_certs");
    if (trusted.is_sequence() && !trusted.items().empty()) facts.trusted_ca_file = trusted.items()[0].as_string();
    else facts.trusted_ca_file = root.child("certificates").optional_string("trusted_ca_certs").value_or("");
    if (facts.trusted_ca_file.rfind("file://", 0) == 0) facts.trusted_ca_file.erase(0, 7);
    if (!facts.trusted_ca_file.empty()) facts.trusted_ca_file = resolve_config_path(config_file, facts.trusted_ca_file);
  } catch (const std::exception&) {
    // The first check runs outpostd's own reader and says what is wrong.
  }
  if (!management_uri_override.empty()) facts.management_uri = management_uri_override;
  return facts;
}

const char* to_string(CheckResult result) {
  switch (result) {
    case CheckResult::ok: return "OK";
    case CheckResult::warning: return "Warning";
    case CheckResult::error: return "Error";
    case CheckResult::skipped: return "Skipped";
  }
  return "?";
}

std::vector<CheckRun> run_device_checks(const DeviceFacts& facts) {
  std::vector<CheckRun> runs;
  for (const auto& check : device_checks()) {
    CheckOutcome outcome;
    try {
      outcome = check.run(facts);
    } catch (const std::exception& e) {
      outcome = {CheckResult::error, e.what()};
    }
    runs.push_back({&check, std::move(outcome)});
  }
  return runs;
}

nlohmann::json checks_json(const std::vector<CheckRun>& runs) {
  nlohmann::json checks = nlohmann::json::object();
  for (const auto& run : runs)
    checks[run.check->id] = {{"description", run.check->description},
                             {"result", to_string(run.outcome.result)},
                             {"details", run.outcome.details}};
  return {{"checks", checks}};
}

const std::vector<Check>& device_checks() {
  static const std::vector<Check> checks{
      {"config-yaml-well-formed", "config.yaml is well-formed", "Configuration checks", config_well_formed},
      {"connect-management-uri", "outpostd answers on its management URI", "Configuration checks", management_api},
      {"container-engine-installed", "container engine is installed and functional", "Configuration checks", container_engine},
      {"hostname", "config.yaml has a correct hostname", "Configuration checks", hostname},
      {"host-local-time", "host time is close to the IoT hub's", "Configuration checks", host_time},
      {"edge-ca-certificate-expiry", "production readiness: edge CA certificate expiry", "Configuration checks", edge_ca_expiry},
      {"container-engine-logrotate", "production readiness: logs policy", "Configuration checks", logs_policy},
      {"host-storage-space", "production readiness: disk space for the store and logs", "Configuration checks", storage_space},
      {"host-connect-iothub-https", "host can connect to and perform TLS handshake with IoT Hub HTTPS / WebSockets port",
       "Connectivity checks", connect_https},
      {"host-connect-iothub-mqtt", "host can connect to and perform TLS handshake with IoT Hub MQTT port", "Connectivity checks",
       connect_mqtt},
  };
  return checks;
}

}  // namespace outpost::cli

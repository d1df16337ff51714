#include "outpost/workload_client/workload_client.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "outpost/core/clock.h"
#include "outpost/core/encoding.h"
#include "outpost/core/file_io.h"
#include "outpost/core/json.h"

namespace outpost::workload {
namespace {

using nlohmann::json;

std::string strip_dollar(std::string_view module) {
  if (!module.empty() && module.front() == '$') module.remove_prefix(1);
  return std::string(module);
}

Result<IssuedCertificate> certificate_from(const json& body) {
  IssuedCertificate issued;
  issued.certificate_pem = string_field(body, "certificate");
  issued.private_key_pem = string_field(object_field(body, "privateKey"), "bytes");
  issued.expiration = string_field(body, "expiration");
  if (issued.certificate_pem.empty() || issued.private_key_pem.empty())
    return make_error(ErrorKind::invalid_input, "workload API: the answer has no certificate or private key");
  return issued;
}

Result<std::string> base64_answer(const json& body, const char* key) {
  auto decoded = base64_decode(string_field(body, key));
  if (!decoded) return make_error(ErrorKind::invalid_input, fmt::format("workload API: the answer's {} is not base64", key));
  return std::move(*decoded);
}

std::string rfc3339(std::int64_t unix_seconds) {
  auto text = format_iso8601(Clock::time_point(std::chrono::seconds(unix_seconds)));
  // format_iso8601 writes milliseconds; the API's examples have none.
  if (const auto dot = text.find('.'); dot != std::string::npos) text = text.substr(0, dot) + "Z";
  return text;
}

}  // namespace

Result<WorkloadEndpoint> parse_workload_uri(std::string_view uri) {
  constexpr std::string_view kUnix = "unix://";
  constexpr std::string_view kHttp = "http://";
  WorkloadEndpoint endpoint;
  if (uri.substr(0, kUnix.size()) == kUnix) {
    endpoint.unix_socket = std::string(uri.substr(kUnix.size()));
    if (endpoint.unix_socket.empty() || endpoint.unix_socket.front() != '/')
      return make_error(fmt::format("workload URI '{}': a unix socket needs an absolute path (unix:///run/...)", uri));
    endpoint.base_url = "http://localhost";
    return endpoint;
  }
  if (uri.substr(0, kHttp.size()) == kHttp && uri.size() > kHttp.size()) {
    while (!uri.empty() && uri.back() == '/') uri.remove_suffix(1);
    endpoint.base_url = std::string(uri);
    return endpoint;
  }
  return make_error(fmt::format("workload URI '{}': expected unix:///<path> or http://<host>:<port>", uri));
}

struct WorkloadClient::Reply {
  json body;
};

WorkloadClient::WorkloadClient(WorkloadClientSettings settings) : settings_(std::move(settings)) {}

std::string WorkloadClient::module_path() const {
  return "/modules/" + url_encode(strip_dollar(settings_.module_id));
}

Result<WorkloadClient::Reply> WorkloadClient::call(std::string_view method, const std::string& path,
                                                   const std::string& body) const {
  net::HttpClientOptions options;
  options.unix_socket = settings_.endpoint.unix_socket;
  options.timeout = settings_.timeout;
  const auto url = settings_.endpoint.base_url + path + "?api-version=" + settings_.api_version;
  net::Headers headers;
  if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
  if (!settings_.transport) return make_error(ErrorKind::invalid_input, "workload client: no HTTP transport was set");
  auto reply = settings_.transport(method, url, headers, body, options);
  if (!reply) return make_error(ErrorKind::unavailable, fmt::format("workload API {} {}: {}", method, path, reply.error()));
  auto parsed = parse_json(reply->body);
  if (reply->status >= 300) {
    // The API's own words ({"message": ...}) when it gave them.
    const auto message = parsed && parsed->is_object() ? string_field(*parsed, "message") : std::string();
    const auto kind = reply->status == 404 ? ErrorKind::not_found
                      : reply->status >= 500 ? ErrorKind::unavailable
                                             : ErrorKind::invalid_input;
    return make_error(kind, fmt::format("workload API {} {}: {} {}", method, path, reply->status,
                                        message.empty() ? reply->body.substr(0, 200) : message));
  }
  if (!parsed || !parsed->is_object())
    return make_error(ErrorKind::invalid_input, fmt::format("workload API {} {}: the answer is not a JSON object", method, path));
  return Reply{std::move(*parsed)};
}

Result<std::string> WorkloadClient::sign(std::string_view data, std::string_view key_id) const {
  const json request{{"keyId", key_id}, {"algo", "HMACSHA256"}, {"data", base64_encode(data)}};
  auto reply = call("POST", module_path() + "/genid/" + url_encode(settings_.generation_id) + "/sign", request.dump());
  if (!reply) return reply.failure();
  auto digest = string_field(reply->body, "digest");
  if (digest.empty()) return make_error(ErrorKind::invalid_input, "workload API: the sign answer has no digest");
  return digest;
}

Result<std::string> WorkloadClient::encrypt(std::string_view plaintext, std::string_view initialization_vector) const {
  const json request{{"plaintext", base64_encode(plaintext)}, {"initializationVector", base64_encode(initialization_vector)}};
  auto reply = call("POST", module_path() + "/genid/" + url_encode(settings_.generation_id) + "/encrypt", request.dump());
  if (!reply) return reply.failure();
  return base64_answer(reply->body, "ciphertext");
}

Result<std::string> WorkloadClient::decrypt(std::string_view ciphertext, std::string_view initialization_vector) const {
  const json request{{"ciphertext", base64_encode(ciphertext)}, {"initializationVector", base64_encode(initialization_vector)}};
  auto reply = call("POST", module_path() + "/genid/" + url_encode(settings_.generation_id) + "/decrypt", request.dump());
  if (!reply) return reply.failure();
  return base64_answer(reply->body, "plaintext");
}

Result<IssuedCertificate> WorkloadClient::server_certificate(std::string_view common_name, std::int64_t expiry_unix) const {
  const json request{{"commonName", common_name}, {"expiration", rfc3339(expiry_unix)}};
  auto reply = call("POST", module_path() + "/genid/" + url_encode(settings_.generation_id) + "/certificate/server",
                    request.dump());
  if (!reply) return reply.failure();
  return certificate_from(reply->body);
}

Result<IssuedCertificate> WorkloadClient::identity_certificate(std::int64_t expiry_unix) const {
  const json request{{"expiration", rfc3339(expiry_unix)}};
  auto reply = call("POST", module_path() + "/certificate/identity", request.dump());
  if (!reply) return reply.failure();
  return certificate_from(reply->body);
}

Result<std::string> WorkloadClient::trust_bundle() const {
  auto reply = call("GET", "/trust-bundle", "");
  if (!reply) return reply.failure();
  auto pem = string_field(reply->body, "certificate");
  if (pem.empty()) return make_error(ErrorKind::invalid_input, "workload API: the trust bundle is empty");
  return pem;
}

Result<std::string> WorkloadClient::trust_bundle_and_system_cas() const {
  auto bundle = trust_bundle();
  if (!bundle) return bundle;
  if (auto system = read_whole_file(kSystemCaBundle, 16 * 1024 * 1024)) *bundle += "\n" + *system;
  return bundle;
}

Result<std::string> WorkloadClient::manifest_trust_bundle() const {
  auto reply = call("GET", "/manifest-trust-bundle", "");
  if (!reply) return reply.failure();
  return string_field(reply->body, "certificate");
}

}  // namespace outpost::workload

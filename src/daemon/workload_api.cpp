#include "workload_api.h"

#include <array>
#include <ctime>

#include <fmt/format.h>

#include "outpost/core/crypto.h"
#include "outpost/core/encoding.h"
#include "outpost/core/ip_address.h"
#include "outpost/core/json.h"

namespace outpost::daemon {

// What a request path names.
struct WorkloadApi::Route {
  enum class Kind { sign, encrypt, decrypt, server_certificate, identity_certificate, trust_bundle, manifest_trust_bundle, modules };
  Kind kind;
  std::string module;  // URL form, no leading '$'; empty for the bundles
  std::string generation_id;
  const char* method;  // the one HTTP method the route takes
};

namespace {

using Kind = WorkloadApi::Route::Kind;
using nlohmann::json;

constexpr std::array<std::string_view, 7> kApiVersions = {"2018-06-28", "2019-01-30", "2019-10-22", "2019-11-05",
                                                         "2020-07-07", "2021-12-07", "2022-08-03"};

std::string module_in_url(std::string name) {
  if (!name.empty() && name.front() == '$') name.erase(0, 1);
  return name;
}

std::optional<WorkloadApi::Route> match(const std::vector<std::string>& s) {
  using R = WorkloadApi::Route;
  if (s.size() == 1 && s[0] == "trust-bundle") return R{Kind::trust_bundle, "", "", "GET"};
  if (s.size() == 1 && s[0] == "manifest-trust-bundle") return R{Kind::manifest_trust_bundle, "", "", "GET"};
  if (s.size() == 1 && s[0] == "modules") return R{Kind::modules, "", "", "GET"};
  if (s.size() < 3 || s[0] != "modules" || s[1].empty()) return std::nullopt;
  const auto module = module_in_url(s[1]);
  if (s.size() == 4 && s[2] == "certificate" && s[3] == "identity") return R{Kind::identity_certificate, module, "", "POST"};
  if (s.size() < 5 || s[2] != "genid") return std::nullopt;
  const auto& generation = s[3];
  if (s.size() == 5 && s[4] == "sign") return R{Kind::sign, module, generation, "POST"};
  if (s.size() == 5 && s[4] == "encrypt") return R{Kind::encrypt, module, generation, "POST"};
  if (s.size() == 5 && s[4] == "decrypt") return R{Kind::decrypt, module, generation, "POST"};
  if (s.size() == 6 && s[4] == "certificate" && s[5] == "server")
    return R{Kind::server_certificate, module, generation, "POST"};
  return std::nullopt;
}

// A required base64 field of a request body, decoded; nullopt (and `error` set) otherwise.
std::optional<std::string> base64_field(const json& body, const char* key, std::string& error) {
  const auto it = body.find(key);
  if (it == body.end() || !it->is_string()) {
    error = fmt::format("{} is required (a base64 string)", key);
    return std::nullopt;
  }
  auto decoded = base64_decode(it->get<std::string>());
  if (!decoded) error = fmt::format("{} is not valid base64", key);
  return decoded;
}

json certificate_response(const IssuedCertificate& issued) {
  return {{"privateKey", {{"type", "key"}, {"bytes", issued.private_key_pem}}},
          {"certificate", issued.certificate_pem},
          {"expiration", rfc3339(issued.expires_unix)}};
}

bool is_json_content(const net::HttpRequest& request) {
  const auto type = request.header("content-type");
  return !type || type->rfind("application/json", 0) == 0;
}

}  // namespace

bool is_known_api_version(std::string_view version) {
  for (const auto known : kApiVersions)
    if (known == version) return true;
  return false;
}

net::HttpResponse api_error(int status, std::string_view message) {
  // Messages quote what the caller sent (a path, an api-version): bytes that are not UTF-8
  // are replaced, never a throw while answering.
  return net::HttpResponse::json(status, json{{"message", message}}.dump(-1, ' ', false, json::error_handler_t::replace));
}

std::string rfc3339(std::int64_t unix_seconds) {
  const auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

WorkloadApi::WorkloadApi(WorkloadSettings settings, const KeyStore& keys, const EdgeCa& ca, FindModule find_module,
                         VerifyCaller verify_caller)
    : settings_(std::move(settings)), keys_(keys), ca_(ca), find_module_(std::move(find_module)),
      verify_caller_(std::move(verify_caller)) {}

void WorkloadApi::handle(net::HttpRequest&& request, net::HttpResponder responder,
                         const std::string& socket_module) const {
  const auto version = request.query_param("api-version");
  if (!version) return responder.send(api_error(400, "api-version not specified"));
  if (!is_known_api_version(*version)) return responder.send(api_error(400, fmt::format("invalid api-version \"{}\"", *version)));
  const auto route = match(request.path_segments());
  if (!route) return responder.send(api_error(404, "not found"));
  if (request.method != route->method) return responder.send(api_error(400, "method not allowed"));
  if (route->kind == Kind::modules) {
    // As the management API lists them; no PID check (IoT Edge's workload API does none).
    if (!list_modules_) return responder.send(api_error(404, "not found"));
    return list_modules_([responder](net::HttpResponse response) { responder.send(std::move(response)); });
  }
  if (route->module.empty()) return responder.send(run(*route, request));

  // A module's own socket serves that module only; on any socket the caller must be one of
  // the named module's processes.
  const auto identity = find_module_(route->module);
  if (!identity) return responder.send(api_error(404, fmt::format("module '{}' has no identity", route->module)));
  if (!socket_module.empty() && socket_module != identity->runtime_name) return responder.send(api_error(403, "forbidden"));
  if (!request.peer) return responder.send(api_error(403, "forbidden"));
  const auto pid = request.peer->pid;
  auto shared = std::make_shared<net::HttpRequest>(std::move(request));
  verify_caller_(identity->runtime_name, pid, [this, route = *route, shared, responder](bool allowed) {
    responder.send(allowed ? run(route, *shared) : api_error(403, "forbidden"));
  });
}

net::HttpResponse WorkloadApi::run(const Route& route, const net::HttpRequest& request) const {
  switch (route.kind) {
    case Kind::trust_bundle:
      if (settings_.trust_bundle_pem.empty()) return api_error(404, "trust bundle not found");
      return net::HttpResponse::json(200, json{{"certificate", settings_.trust_bundle_pem}}.dump());
    case Kind::manifest_trust_bundle:
      return net::HttpResponse::json(200, json{{"certificate", settings_.manifest_trust_bundle_pem}}.dump());
    case Kind::identity_certificate:
      return identity_certificate(route);
    default:
      break;
  }
  if (!is_json_content(request)) return api_error(415, "the request body must be application/json");
  auto body = parse_json(request.body);
  if (!body || !body->is_object()) return api_error(400, "the request body must be a JSON object");
  switch (route.kind) {
    case Kind::sign:
      return sign(route, *body);
    case Kind::encrypt:
      return crypt(route, *body, true);
    case Kind::decrypt:
      return crypt(route, *body, false);
    default:
      return server_certificate(route, *body);
  }
}

net::HttpResponse WorkloadApi::sign(const Route& route, const json& body) const {
  // As IoT Edge 1.2+: only `data` matters; keyId, algo and the URL's generation id do not.
  std::string error;
  const auto data = base64_field(body, "data", error);
  if (!data) return api_error(400, error);
  const auto identity = find_module_(route.module);
  if (!identity) return api_error(404, fmt::format("module '{}' has no identity", route.module));
  const auto key = base64_decode(keys_.module_key(identity->module_id, identity->generation_id, KeySlot::primary));
  return net::HttpResponse::json(200, json{{"digest", base64_encode(hmac_sha256(*key, *data))}}.dump());
}

net::HttpResponse WorkloadApi::crypt(const Route& route, const json& body, bool encrypt) const {
  std::string error;
  const auto iv = base64_field(body, "initializationVector", error);
  if (!iv) return api_error(400, error);
  const auto input = base64_field(body, encrypt ? "plaintext" : "ciphertext", error);
  if (!input) return api_error(400, error);
  if (encrypt) {
    const auto sealed = keys_.encrypt(route.module, route.generation_id, *iv, *input);
    return net::HttpResponse::json(200, json{{"ciphertext", base64_encode(sealed)}}.dump());
  }
  const auto opened = keys_.decrypt(route.module, route.generation_id, *iv, *input);
  if (!opened) return api_error(400, "the ciphertext cannot be decrypted by this module and generation");
  return net::HttpResponse::json(200, json{{"plaintext", base64_encode(*opened)}}.dump());
}

net::HttpResponse WorkloadApi::server_certificate(const Route& route, const json& body) const {
  const auto it = body.find("commonName");
  if (it == body.end() || !it->is_string() || it->get<std::string>().empty())
    return api_error(400, "commonName is required");
  CertificateRequest request;
  request.common_name = it->get<std::string>();
  (is_ip_address(request.common_name) ? request.ip_addresses : request.dns_names).push_back(request.common_name);
  if (request.common_name != route.module) request.dns_names.push_back(route.module);
  request.use = CertificateUse::server;
  auto issued = ca_.issue(request);
  if (!issued) return api_error(400, issued.error());
  return net::HttpResponse::json(201, certificate_response(*issued).dump());
}

net::HttpResponse WorkloadApi::identity_certificate(const Route& route) const {
  CertificateRequest request;
  request.common_name = route.module;
  request.uris.push_back(fmt::format("azureiot://{}/devices/{}/modules/{}", settings_.iothub_hostname,
                                     settings_.device_id, route.module));
  request.use = CertificateUse::client;
  auto issued = ca_.issue(request);
  if (!issued) return api_error(400, issued.error());
  return net::HttpResponse::json(201, certificate_response(*issued).dump());
}

}  // namespace outpost::daemon

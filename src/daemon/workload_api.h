// The workload API, as IoT Edge serves it (reference: daemon-agent-manifest.md §1): a module
// signs its SAS tokens, encrypts its secrets and gets its certificates and trust bundle here,
// without ever holding a key. Transport-free: it answers an HttpRequest through an
// HttpResponder, whichever unix socket the request came on, so tests drive it without sockets.
//
// A module acts only as itself: every /modules/{m}/... request is checked against the
// caller's PID (SO_PEERCRED) — the runtime says whether that PID is one of module m's
// processes — and a request on a module's own socket may only name that module.
#pragma once
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "edge_ca.h"
#include "key_store.h"
#include "outpost/net/http_server.h"

namespace outpost::daemon {

// A module as the identity registry knows it.
struct ModuleIdentity {
  std::string module_id;      // as registered: "$edgeHub", "filter"
  std::string generation_id;  // changes when the identity is deleted and created again
  std::string runtime_name;   // its container or process: "edgeHub", or config.yaml's agent.name
};

struct WorkloadSettings {
  std::string iothub_hostname;  // what identity certificates name
  std::string device_id;
  std::string trust_bundle_pem;           // the edge CA's chain and certificates.trusted_ca_certs
  std::string manifest_trust_bundle_pem;  // "" unless configured
};

class WorkloadApi {
 public:
  // The module named `name` (URL form: no leading '$'), if it has an identity.
  using FindModule = std::function<std::optional<ModuleIdentity>(const std::string& name)>;
  // Answers (now or later) whether `pid` is one of the processes of the module whose
  // runtime name is `name`.
  using VerifyCaller = std::function<void(const std::string& name, std::int64_t pid, std::function<void(bool)> done)>;

  WorkloadApi(WorkloadSettings settings, const KeyStore& keys, const EdgeCa& ca, FindModule find_module,
              VerifyCaller verify_caller);

  // GET /modules: answered by `list` (the management API's list), when set.
  using ListModules = std::function<void(std::function<void(net::HttpResponse)> reply)>;
  void set_module_list(ListModules list) { list_modules_ = std::move(list); }

  // `socket_module`: the runtime name of the module whose own socket the request arrived on;
  // "" for the shared socket.
  void handle(net::HttpRequest&& request, net::HttpResponder responder, const std::string& socket_module) const;

  struct Route;  // what a request path names (workload_api.cpp)

 private:
  net::HttpResponse run(const Route& route, const net::HttpRequest& request) const;
  net::HttpResponse sign(const Route& route, const nlohmann::json& body) const;
  net::HttpResponse crypt(const Route& route, const nlohmann::json& body, bool encrypt) const;
  net::HttpResponse server_certificate(const Route& route, const nlohmann::json& body) const;
  net::HttpResponse identity_certificate(const Route& route) const;

  WorkloadSettings settings_;
  const KeyStore& keys_;
  const EdgeCa& ca_;
  FindModule find_module_;
  VerifyCaller verify_caller_;
  ListModules list_modules_;
};

// IoT Edge's API versions: every workload and management route accepts these.
bool is_known_api_version(std::string_view version);
// The error body IoT Edge's APIs answer with: {"message": "..."}.
net::HttpResponse api_error(int status, std::string_view message);
// A time as RFC 3339 in UTC: "2027-03-04T05:06:07Z".
std::string rfc3339(std::int64_t unix_seconds);

}  // namespace outpost::daemon

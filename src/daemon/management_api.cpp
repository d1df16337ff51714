#include "management_api.h"

#include <ctime>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "local_device_scope.h"
#include "outpost/core/json.h"
#include "workload_api.h"

namespace outpost::daemon {

using nlohmann::json;
using net::HttpResponse;

namespace {

// IoT Edge's minimum api-version for the newer routes.
bool version_at_least(const std::string& version, const char* minimum) { return version >= minimum; }

HttpResponse from_error(const Error& error) {
  switch (error.kind) {
    case ErrorKind::not_found: return api_error(404, error.message);
    case ErrorKind::invalid_input: return api_error(400, error.message);
    default: return api_error(500, error.message);
  }
}

}  // namespace

ManagementApi::ManagementApi(ManagementSettings settings, RuntimeWorker& worker, runtime::ModuleRuntime& runtime,
                             IdentityStore& identities, PrepareModule prepare, ReleaseModule release)
    : settings_(std::move(settings)), worker_(worker), runtime_(runtime), identities_(identities),
      prepare_(std::move(prepare)), release_(std::move(release)), started_at_(static_cast<std::int64_t>(std::time(nullptr))) {}

void ManagementApi::handle(net::HttpRequest&& request, net::HttpResponder responder) {
  const Reply reply = [responder](HttpResponse response) { responder.send(std::move(response)); };
  // IoT Hub's device-scope API keeps IoT Hub's own api-versions (the hub sends 2020-06-30-preview).
  if (device_scope_ && LocalDeviceScope::is_device_scope_path(request)) return reply(device_scope_(request));
  const auto version = request.query_param("api-version");
  if (!version) return reply(api_error(400, "api-version not specified"));
  if (!is_known_api_version(*version)) return reply(api_error(400, fmt::format("invalid api-version \"{}\"", *version)));
  const auto path = request.path_segments();
  const auto& method = request.method;
  const auto too_old = [&](const char* minimum) {
    if (version_at_least(*version, minimum)) return false;
    reply(api_error(400, fmt::format("this route needs api-version {} or later", minimum)));
    return true;
  };
  const auto body = [&]() -> std::optional<json> {
    auto parsed = parse_json(request.body);
    if (!parsed) {
      reply(api_error(400, "the request body is not valid JSON: " + parsed.error()));
      return std::nullopt;
    }
    return std::move(*parsed);
  };

  if (!path.empty() && path[0] == "modules") {
    if (path.size() == 1 && method == "GET") return list_modules(reply);
    if (path.size() == 1 && method == "POST") {
      auto b = body();
      if (!b) return;
      return as_agent(request, reply, [this, b = std::move(*b), reply] { create_module(b, reply); });
    }
    if (path.size() >= 2) {
      const auto name = path[1];
      if (path.size() == 2 && method == "GET") return get_module(name, reply);
      if (path.size() == 2 && method == "PUT") {
        auto b = body();
        if (!b) return;
        const bool start = request.query_param("start").value_or("false") == "true";
        return as_agent(request, reply, [this, name, b = std::move(*b), start, reply] { update_module(name, b, start, reply); });
      }
      if (path.size() == 2 && method == "DELETE")
        return as_agent(request, reply, [this, name, reply] { delete_module(name, reply); });
      if (path.size() == 3 && method == "POST" && (path[2] == "start" || path[2] == "stop" || path[2] == "restart"))
        return module_action(name, path[2], reply);
      if (path.size() == 3 && method == "POST" && path[2] == "prepareupdate") {
        if (too_old("2019-01-30")) return;
        auto b = body();
        if (!b) return;
        return as_agent(request, reply, [this, name, b = std::move(*b), reply] { prepare_update(name, b, reply); });
      }
      if (path.size() == 3 && method == "GET" && path[2] == "logs") {
        if (request.query_param("follow").value_or("false") == "true") return follow_logs(name, request, responder);
        return module_logs(name, request, reply);
      }
    }
  }
  if (!path.empty() && path[0] == "identities") {
    if (method == "GET") return identities(request, path, reply);
    auto shared = std::make_shared<net::HttpRequest>(std::move(request));
    return as_agent(*shared, reply, [this, shared, path, reply] { identities(*shared, path, reply); });
  }
  if (!path.empty() && path[0] == "systeminfo" && method == "GET") {
    if (path.size() == 1) return reply(HttpResponse::json(200, system_info_json().dump()));
    if (path.size() == 2 && path[1] == "resources") {
      if (too_old("2019-11-05")) return;
      return reply(HttpResponse::json(200, resources_json().dump()));
    }
    if (path.size() == 2 && path[1] == "supportbundle") {
      if (too_old("2020-07-07")) return;
      return support_bundle(request, reply);
    }
  }
  if (path.size() == 2 && path[0] == "device" && path[1] == "reprovision" && method == "POST") {
    if (too_old("2019-10-22")) return;
    // Nothing to reprovision without DPS: the device keeps its identity.
    return as_agent(request, reply, [reply] { reply(HttpResponse::text(204, "")); });
  }
  reply(api_error(404, "not found"));
}

void ManagementApi::as_agent(const net::HttpRequest& request, const Reply& reply, std::function<void()> then) {
  if (!request.peer) return reply(api_error(403, "forbidden"));
  const auto pid = request.peer->pid;
  worker_.run<bool>([this, pid] { return runtime_.owns_process(settings_.agent_name, pid); },
                    [reply, then = std::move(then)](bool allowed) {
                      if (allowed) then();
                      else reply(api_error(403, "forbidden"));
                    });
}

void ManagementApi::list_modules(const Reply& reply) {
  worker_.run<HttpResponse>(
      [this] {
        auto modules = runtime_.list();
        if (!modules) return from_error(modules.failure());
        auto out = json::array();
        for (const auto& status : *modules)
          if (auto spec = runtime_.spec(status.name)) out.push_back(module_details(*spec, status));
        return HttpResponse::json(200, json{{"modules", out}}.dump());
      },
      reply);
}

void ManagementApi::get_module(const std::string& name, const Reply& reply) {
  worker_.run<HttpResponse>(
      [this, name] {
        auto status = runtime_.status(name);
        if (!status) return from_error(status.failure());
        auto spec = runtime_.spec(name);
        if (!spec) return from_error(spec.failure());
        return HttpResponse::json(200, module_details(*spec, *status).dump());
      },
      reply);
}

// The runtime's spec for a ModuleSpec body (named `url_name` when the URL names one): parsed,
// its identity found (or made: a module without one could not sign), then prepared.
Result<runtime::ModuleSpec> ManagementApi::runtime_spec(const json& body, const std::optional<std::string>& url_name) {
  auto requested = parse_module_spec(body);
  if (!requested) return requested.failure();
  if (url_name && requested->name != *url_name)
    return make_error(ErrorKind::invalid_input, "the body's name differs from the URL's");
  // edgeHub (and the agent, whatever its name) act as the system identities $edgeHub, $edgeAgent.
  auto stored = identities_.get_or_create(ModuleNaming{settings_.agent_name}.identity_of_runtime_name(requested->name), "iotedge");
  if (!stored) return stored.failure();
  return prepare_(*requested, *stored);
}

void ManagementApi::create_module(const json& body, const Reply& reply) {
  auto spec = runtime_spec(body, std::nullopt);
  if (!spec) return reply(from_error(spec.failure()));
  worker_.run<HttpResponse>(
      [this, spec = std::move(*spec)] {
        if (auto ok = runtime_.create(spec); !ok) return from_error(ok.failure());
        auto status = runtime_.status(spec.name);
        if (!status) return from_error(status.failure());
        spdlog::info("management: created module '{}' ({})", spec.name, spec.image);
        return HttpResponse::json(201, module_details(spec, *status).dump());
      },
      reply);
}

void ManagementApi::update_module(const std::string& name, const json& body, bool start, const Reply& reply) {
  auto spec = runtime_spec(body, name);
  if (!spec) return reply(from_error(spec.failure()));
  const bool is_agent = name == settings_.agent_name;
  // The agent updating itself: answer first, then do it (it is about to be stopped).
  if (is_agent) reply(HttpResponse::text(201, ""));
  worker_.run<HttpResponse>(
      [this, spec = std::move(*spec), start] {
        if (runtime_.status(spec.name))
          if (auto ok = runtime_.remove(spec.name); !ok) return from_error(ok.failure());
        if (auto ok = runtime_.create(spec); !ok) return from_error(ok.failure());
        if (start)
          if (auto ok = runtime_.start(spec.name); !ok) return from_error(ok.failure());
        auto status = runtime_.status(spec.name);
        if (!status) return from_error(status.failure());
        spdlog::info("management: updated module '{}' ({}){}", spec.name, spec.image, start ? " and started it" : "");
        return HttpResponse::json(201, module_details(spec, *status).dump());
      },
      [reply, is_agent](HttpResponse response) {
        if (!is_agent) reply(std::move(response));
      });
}

// Pulls what an update will need (the ModuleSpec in the body), leaving the module running.
void ManagementApi::prepare_update(const std::string& name, const json& body, const Reply& reply) {
  auto spec = runtime_spec(body, name);
  if (!spec) return reply(from_error(spec.failure()));
  worker_.run<HttpResponse>(
      [this, spec = std::move(*spec)] {
        if (auto ok = runtime_.prepare(spec); !ok) return from_error(ok.failure());
        return HttpResponse::text(204, "");
      },
      reply);
}

void ManagementApi::delete_module(const std::string& name, const Reply& reply) {
  worker_.run<HttpResponse>(
      [this, name] {
        if (auto ok = runtime_.remove(name); !ok) return from_error(ok.failure());
        spdlog::info("management: removed module '{}'", name);
        return HttpResponse::text(204, "");
      },
      [this, name, reply](HttpResponse response) {
        if (response.status == 204) release_(name);
        reply(std::move(response));
      });
}

void ManagementApi::module_action(const std::string& name, const std::string& action, const Reply& reply) {
  worker_.run<HttpResponse>(
      [this, name, action] {
        Status ok;
        if (action == "start") ok = runtime_.start(name);
        else if (action == "stop") ok = runtime_.stop(name, settings_.stop_grace);
        else if (action == "restart") {
          ok = runtime_.stop(name, settings_.stop_grace);
          if (ok) ok = runtime_.start(name);
        }
        if (!ok) return from_error(ok.failure());
        return HttpResponse::text(204, "");
      },
      reply);
}

}  // namespace outpost::daemon

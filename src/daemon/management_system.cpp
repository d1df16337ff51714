// The management API's identities, logs and system information routes.
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <ctime>

#include <fmt/format.h>

#include "log_follower.h"
#include "support_bundle.h"
#include "management_api.h"
#include "outpost/core/json.h"
#include "workload_api.h"

namespace outpost::daemon {

using nlohmann::json;
using net::HttpResponse;

namespace {

json identity_json(const StoredIdentity& identity) {
  return {{"moduleId", identity.module_id},
          {"managedBy", identity.managed_by},
          {"generationId", identity.generation_id},
          {"authType", "sas"}};
}

std::int64_t now_seconds() { return static_cast<std::int64_t>(std::time(nullptr)); }

}  // namespace

std::string docker_log_frames(const std::string& text) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    end = end == std::string::npos ? text.size() : end + 1;
    const auto length = static_cast<std::uint32_t>(end - start);
    const char header[8] = {1, 0, 0, 0, static_cast<char>(length >> 24), static_cast<char>(length >> 16),
                            static_cast<char>(length >> 8), static_cast<char>(length)};
    out.append(header, sizeof header);
    out.append(text, start, end - start);
    start = end;
  }
  return out;
}

std::optional<std::size_t> parse_tail(const std::string& text, bool& valid) {
  valid = true;
  if (text.empty() || text == "all") return std::nullopt;
  if (text.find_first_not_of("0123456789") != std::string::npos || text.size() > 9) {
    valid = false;
    return std::nullopt;
  }
  return static_cast<std::size_t>(std::stoul(text));
}

std::optional<std::int64_t> parse_log_time(const std::string& text, std::int64_t now) {
  if (text.empty()) return std::nullopt;
  if (text.find_first_not_of("0123456789") == std::string::npos && text.size() <= 12) return std::stoll(text);
  std::tm tm{};
  if (const char* rest = ::strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm); rest != nullptr) {
    // Fractions and a Z are fine; other offsets are not (IoT Edge sends UTC).
    return static_cast<std::int64_t>(::timegm(&tm));
  }
  // A duration: "90m", "2h", "1 day", "3 days", "30s".
  std::size_t used = 0;
  long long amount = 0;
  try {
    amount = std::stoll(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  auto unit = text.substr(used);
  while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
  std::int64_t seconds = 0;
  if (unit == "s" || unit == "sec" || unit == "second" || unit == "seconds") seconds = 1;
  else if (unit == "m" || unit == "min" || unit == "minute" || unit == "minutes") seconds = 60;
  else if (unit == "h" || unit == "hour" || unit == "hours") seconds = 3600;
  else if (unit == "d" || unit == "day" || unit == "days") seconds = 86400;
  else return std::nullopt;
  if (amount < 0 || amount > 100LL * 365 * 86400) return std::nullopt;
  return now - amount * seconds;
}

// The log parameters of a request; nullopt (and an answer sent) when one is wrong.
std::optional<runtime::LogOptions> ManagementApi::log_options(const net::HttpRequest& request, const Reply& reply) {
  runtime::LogOptions options;
  bool tail_ok = true;
  options.tail = parse_tail(request.query_param("tail").value_or(""), tail_ok);
  if (!tail_ok) {
    reply(api_error(400, "tail: expected a number or 'all'"));
    return std::nullopt;
  }
  const auto now = now_seconds();
  for (const auto& [key, out] : {std::pair{"since", &options.since}, std::pair{"until", &options.until}}) {
    const auto value = request.query_param(key);
    if (!value || value->empty()) continue;
    *out = parse_log_time(*value, now);
    if (!*out) {
      reply(api_error(400, fmt::format("{}: expected RFC 3339, unix seconds or a duration like 90m", key)));
      return std::nullopt;
    }
  }
  options.timestamps = request.query_param("timestamps").value_or("false") == "true";
  return options;
}

void ManagementApi::follow_logs(const std::string& name, const net::HttpRequest& request, net::HttpResponder responder) {
  const Reply reply = [responder](HttpResponse response) { responder.send(std::move(response)); };
  auto options = log_options(request, reply);
  if (!options) return;
  // Known module first: a stream answers 200 before its first line.
  worker_.run<bool>([this, name] { return runtime_.status(name).ok(); },
                    [this, name, options = *options, responder, reply](bool known) {
                      if (!known) return reply(api_error(404, fmt::format("module '{}' not found", name)));
                      auto stream = responder.stream(200, {{"Content-Type", "text/plain; charset=utf-8"}});
                      std::make_shared<LogFollower>(worker_.loop(), worker_, runtime_, name, options, stream)->start();
                    });
}

void ManagementApi::module_logs(const std::string& name, const net::HttpRequest& request, const Reply& reply) {
  auto parsed = log_options(request, reply);
  if (!parsed) return;
  const auto options = *parsed;
  worker_.run<HttpResponse>(
      [this, name, options] {
        auto text = runtime_.logs(name, options);
        if (!text) {
          if (text.error_kind() == ErrorKind::not_found) return api_error(404, text.error());
          return api_error(500, text.error());
        }
        return HttpResponse::text(200, docker_log_frames(*text), "text/plain; charset=utf-8");
      },
      reply);
}

void ManagementApi::identities(const net::HttpRequest& request, const std::vector<std::string>& path, const Reply& reply) {
  const auto& method = request.method;
  if (path.size() == 1 && method == "GET") {
    auto list = json::array();
    for (const auto& identity : identities_.list()) list.push_back(identity_json(identity));
    return reply(HttpResponse::json(200, json{{"identities", list}}.dump()));
  }
  if ((path.size() == 1 && method == "POST") || (path.size() == 2 && method == "PUT")) {
    auto body = parse_json(request.body);
    if (!body || !body->is_object()) return reply(api_error(400, "the body must be {\"moduleId\", \"managedBy\"}"));
    const auto module_id = path.size() == 2 ? path[1] : body->value("moduleId", std::string());
    if (module_id.empty()) return reply(api_error(400, "moduleId is required"));
    const auto managed_by = body->value("managedBy", std::string("iotedge"));
    // POST creates; PUT (an update) also re-syncs with the cloud registry, keys included.
    auto identity = method == "PUT" ? identities_.refresh(module_id, managed_by) : identities_.get_or_create(module_id, managed_by);
    if (!identity) return reply(api_error(500, identity.error()));
    return reply(HttpResponse::json(200, identity_json(*identity).dump()));
  }
  if (path.size() == 2 && method == "DELETE") {
    auto removed = identities_.remove(path[1]);
    if (!removed) return reply(api_error(removed.error_kind() == ErrorKind::not_found ? 404 : 500, removed.error()));
    return reply(HttpResponse::text(204, ""));
  }
  reply(api_error(404, "not found"));
}

nlohmann::json ManagementApi::system_info_json() const {
  struct utsname uts {};
  ::uname(&uts);
  struct sysinfo si {};
  ::sysinfo(&si);
  const auto total_ram = static_cast<std::uint64_t>(si.totalram) * si.mem_unit;
  return {{"osType", "linux"},
          {"architecture", uts.machine},
          {"version", settings_.version},
          {"cpus", ::sysconf(_SC_NPROCESSORS_ONLN)},
          {"virtualized", "unknown"},
          {"provisioning",
           {{"type", settings_.provisioning_type}, {"dynamicReprovisioning", false}, {"alwaysReprovisionOnStartup", false}}},
          {"kernel_version", uts.release},
          {"operating_system", uts.sysname},
          {"total_memory", total_ram},
          {"server_version", settings_.version}};
}

nlohmann::json ManagementApi::resources_json() const {
  struct sysinfo si {};
  ::sysinfo(&si);
  const auto total_ram = static_cast<std::uint64_t>(si.totalram) * si.mem_unit;
  struct statvfs disk {};
  json disks = json::array();
  if (::statvfs("/", &disk) == 0)
    disks.push_back({{"name", "/"},
                     {"available_space", static_cast<std::uint64_t>(disk.f_bavail) * disk.f_frsize},
                     {"total_space", static_cast<std::uint64_t>(disk.f_blocks) * disk.f_frsize},
                     {"file_system", ""},
                     {"file_type", ""}});
  return {{"host_uptime", si.uptime},
          {"process_uptime", now_seconds() - started_at_},
          {"used_cpu", si.loads[0] / 65536.0},
          {"used_ram", total_ram - static_cast<std::uint64_t>(si.freeram) * si.mem_unit},
          {"total_ram", total_ram},
          {"disks", disks},
          {"docker_stats", ""}};
}

void ManagementApi::support_bundle(const net::HttpRequest& request, const Reply& reply) {
  auto options = log_options(request, reply);
  if (!options) return;
  options->timestamps = true;
  const bool runtime_only = request.query_param("edge_runtime_only").value_or("false") == "true";
  std::vector<std::pair<std::string, std::string>> files{{"system/info.json", system_info_json().dump(2)},
                                                          {"system/resources.json", resources_json().dump(2)}};
  auto ids = json::array();
  for (const auto& identity : identities_.list())  // generation ids only: keys never leave the daemon
    ids.push_back({{"moduleId", identity.module_id}, {"managedBy", identity.managed_by}, {"generationId", identity.generation_id}});
  files.emplace_back("identities.json", ids.dump(2));
  const auto agent = settings_.agent_name;
  worker_.run<HttpResponse>(
      [this, files = std::move(files), options = *options, runtime_only, agent]() mutable {
        auto modules = runtime_.list();
        if (!modules) return api_error(500, modules.error());
        auto list = json::array();
        for (const auto& status : *modules) {
          if (runtime_only && status.name != agent && status.name != "edgeHub") continue;
          if (auto spec = runtime_.spec(status.name)) list.push_back(module_details(*spec, status));
          if (auto logs = runtime_.logs(status.name, options)) files.emplace_back("logs/" + status.name + ".log", *logs);
        }
        files.emplace_back("modules.json", list.dump(2));
        auto zip = zip_files(files);
        if (!zip) return api_error(500, zip.error());
        return HttpResponse::text(200, std::move(*zip), "application/zip")
            .with_header("Content-Disposition", "attachment; filename=\"support_bundle.zip\"");
      },
      reply);
}

}  // namespace outpost::daemon

#include "docker_engine.h"

#include <ctime>
#include <map>

#include "outpost/core/encoding.h"
#include "module_spec_json.h"
#include "outpost/core/json.h"

namespace outpost::runtime {

using nlohmann::json;

json container_create_body(const ModuleSpec& spec, const std::string& network) {
  json body = spec.create_options.is_object() ? spec.create_options : json::object();
  body["Image"] = spec.image;
  // Env: the spec's first, createOptions.Env wins a clash.
  std::vector<std::string> order;
  std::map<std::string, std::string> env;
  const auto set = [&](const std::string& key, const std::string& value) {
    if (env.emplace(key, value).second) order.push_back(key);
    else env[key] = value;
  };
  for (const auto& [k, v] : spec.env) set(k, v);
  if (const auto it = body.find("Env"); it != body.end() && it->is_array())
    for (const auto& item : *it) {
      if (!item.is_string()) continue;
      const auto text = item.get<std::string>();
      const auto eq = text.find('=');
      if (eq != std::string::npos) set(text.substr(0, eq), text.substr(eq + 1));
    }
  auto merged = json::array();
  for (const auto& key : order) merged.push_back(key + "=" + env[key]);
  body["Env"] = merged;
  auto& labels = body["Labels"];
  if (!labels.is_object()) labels = json::object();
  for (const auto& [k, v] : spec.labels) labels[k] = v;
  labels[kSpecLabel] = spec_to_json(spec).dump();
  // A published port must be exposed too, or the engine publishes nothing: `docker run -p` sets
  // both, and IoT Edge's docs make authors write ExposedPorts beside PortBindings. We add the
  // missing ones, so an image without EXPOSE publishes what its createOptions bind.
  if (const auto host = body.find("HostConfig"); host != body.end() && host->is_object())
    if (const auto bindings = host->find("PortBindings"); bindings != host->end() && bindings->is_object() && !bindings->empty()) {
      auto& exposed = body["ExposedPorts"];
      if (!exposed.is_object()) exposed = json::object();
      for (const auto& [port, ignored] : bindings->items())
        if (!exposed.contains(port)) exposed[port] = json::object();
    }
  // The module's network, unless createOptions chose one.
  auto& networking = body["NetworkingConfig"];
  if (!networking.is_object() || !networking.contains("EndpointsConfig")) {
    networking = {{"EndpointsConfig", {{network, json::object()}}}};
    auto& host = body["HostConfig"];
    if (!host.is_object()) host = json::object();
    if (!host.contains("NetworkMode")) host["NetworkMode"] = network;
  }
  return body;
}

std::optional<ModuleSpec> spec_from_labels(const json& inspect) {
  const auto& labels = object_field(object_field(inspect, "Config"), "Labels");
  const auto text = string_field(labels, kSpecLabel);
  if (text.empty()) return std::nullopt;
  const auto parsed = parse_json(text);
  if (!parsed || !parsed->is_object()) return std::nullopt;
  return spec_from_json(*parsed);
}

std::optional<std::int64_t> docker_time(const std::string& text) {
  if (text.empty() || text.rfind("0001-01-01", 0) == 0) return std::nullopt;
  std::tm tm{};
  if (::strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr) return std::nullopt;
  return static_cast<std::int64_t>(::timegm(&tm));
}

ModuleStatus status_from_inspect(const std::string& name, const json& inspect) {
  ModuleStatus s;
  s.name = name;
  const auto& state = object_field(inspect, "State");
  s.image = string_field(object_field(inspect, "Config"), "Image");
  const auto docker_status = string_field(state, "Status");
  const int exit_code = static_cast<int>(integer_field(state, "ExitCode", 0));
  if (docker_status == "running") {
    s.state = ModuleState::running;
    const auto health = string_field(object_field(state, "Health"), "Status");
    if (health == "unhealthy") {
      s.state = ModuleState::unhealthy;
      s.description = "the container's health check fails";
    }
    s.pid = integer_field(state, "Pid", 0);
  } else if (docker_status == "created" || docker_status == "paused" || docker_status == "restarting") {
    s.state = ModuleState::stopped;
  } else if (docker_status == "exited" || docker_status == "removing") {
    s.state = exit_code == 0 ? ModuleState::stopped : ModuleState::failed;
    s.exit_code = exit_code;
    s.description = "exited with code " + std::to_string(exit_code);
  } else if (docker_status == "dead") {
    s.state = ModuleState::dead;
  } else {
    s.state = ModuleState::unknown;
  }
  if (const auto error = string_field(state, "Error"); !error.empty()) s.description = error;
  s.start_time = docker_time(string_field(state, "StartedAt"));
  if (s.state != ModuleState::running && s.state != ModuleState::unhealthy)
    s.exit_time = docker_time(string_field(state, "FinishedAt"));
  return s;
}

std::string demultiplex_logs(const std::string& stream) {
  const auto framed_at = [&](std::size_t at) {
    return at + 8 <= stream.size() && static_cast<unsigned char>(stream[at]) <= 2 && stream[at + 1] == 0 &&
           stream[at + 2] == 0 && stream[at + 3] == 0;
  };
  if (!framed_at(0)) return stream;  // a TTY container: no frames
  std::string out;
  for (std::size_t at = 0; framed_at(at);) {
    const auto length = (std::size_t{static_cast<unsigned char>(stream[at + 4])} << 24) |
                        (std::size_t{static_cast<unsigned char>(stream[at + 5])} << 16) |
                        (std::size_t{static_cast<unsigned char>(stream[at + 6])} << 8) |
                        std::size_t{static_cast<unsigned char>(stream[at + 7])};
    if (at + 8 + length > stream.size()) break;  // a cut frame: what arrived whole is kept
    out.append(stream, at + 8, length);
    at += 8 + length;
  }
  return out;
}

std::vector<std::int64_t> pids_from_top(const json& top) {
  std::vector<std::int64_t> pids;
  const auto titles = top.is_object() && top.contains("Titles") && top["Titles"].is_array() ? top["Titles"] : json::array();
  std::size_t column = titles.size();
  for (std::size_t i = 0; i < titles.size(); ++i)
    if (titles[i] == "PID") column = i;
  if (column == titles.size()) return pids;
  const auto rows = top.is_object() && top.contains("Processes") && top["Processes"].is_array() ? top["Processes"] : json::array();
  for (const auto& row : rows) {
    if (!row.is_array() || row.size() <= column || !row[column].is_string()) continue;
    try {
      pids.push_back(std::stoll(row[column].get<std::string>()));
    } catch (const std::exception&) {
    }
  }
  return pids;
}

std::string registry_auth_header(const json& auth) {
  const json body{{"username", string_field(auth, "username")},
                  {"password", string_field(auth, "password")},
                  {"serveraddress", string_field(auth, "serveraddress")}};
  auto encoded = base64_encode(body.dump());
  for (auto& c : encoded) {
    if (c == '+') c = '-';
    else if (c == '/') c = '_';
  }
  return encoded;
}

}  // namespace outpost::runtime

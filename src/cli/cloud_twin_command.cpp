// outpost cloud twin show|update and outpost cloud invoke: a device's or module's twin, and a
// direct method, through the service API (as `az iot hub module-twin` and `az iot hub
// invoke-module-method`).
#include <iostream>

#include "cloud_api.h"
#include "commands.h"
#include "outpost/core/encoding.h"
#include "outpost/core/json.h"

namespace outpost::cli {
namespace {

std::string twin_path(const std::vector<std::string>& positional, std::size_t at) {
  if (positional.size() <= at) throw UsageError("the device id is missing");
  std::string path = "/twins/" + url_encode(positional[at]);
  if (positional.size() > at + 1 && !positional[at + 1].empty()) path += "/modules/" + url_encode(positional[at + 1]);
  return path;
}

nlohmann::json json_argument(const std::string& text, const char* what) {
  auto parsed = parse_json(text);
  if (!parsed) throw UsageError(std::string(what) + " is not JSON: " + parsed.error());
  return std::move(*parsed);
}

}  // namespace

int cloud_twin_command(const std::vector<std::string>& args) {
  constexpr const char* kUsage =
      "usage: outpost cloud twin show <device> [<module>]\n"
      "       outpost cloud twin update <device> [<module>] --desired JSON [--tags JSON]\n"
      "  each with --connection-string CS (or OUTPOST_CLOUD_CONNECTION_STRING) [--url URL] [--ca-file PEM]\n";
  const auto [positional, opts] = parse_cloud_command(args, {"desired", "tags"});
  if (opts.has("help") || positional.empty()) {
    std::cout << kUsage;
    return opts.has("help") ? 0 : 2;
  }
  const CloudApi api(opts);
  const auto& verb = positional[0];
  if (verb == "show") {
    print_json(api.call("GET", twin_path(positional, 1)).body);
    return 0;
  }
  if (verb == "update") {
    nlohmann::json patch = nlohmann::json::object();
    if (auto desired = opts.get("desired")) patch["properties"]["desired"] = json_argument(*desired, "--desired");
    if (auto tags = opts.get("tags")) patch["tags"] = json_argument(*tags, "--tags");
    if (patch.empty()) throw UsageError("twin update needs --desired JSON or --tags JSON");
    print_json(api.call("PATCH", twin_path(positional, 1), patch).body);
    return 0;
  }
  throw UsageError("unknown twin command '" + verb + "' (show, update)");
}

int cloud_invoke_command(const std::vector<std::string>& args) {
  constexpr const char* kUsage =
      "usage: outpost cloud invoke <device> <module|-> <method> [<payload JSON>] [--timeout SECONDS]\n"
      "  '-' for the module calls the device itself; prints {\"status\", \"payload\"}; exits 1 when the\n"
      "  target is not connected, does not answer, or answers with a status of 300 and above\n";
  const auto [p, opts] = parse_cloud_command(args, {"timeout"});
  if (opts.has("help") || p.size() < 3) {
    std::cout << kUsage;
    return opts.has("help") ? 0 : 2;
  }
  const CloudApi api(opts);
  const nlohmann::json request{{"methodName", p[2]},
                               {"payload", p.size() > 3 ? json_argument(p[3], "the payload") : nlohmann::json()},
                               {"responseTimeoutInSeconds", std::stoi(opts.get("timeout").value_or("30"))}};
  const auto reply = api.call("POST", twin_path({p[0], p[1] == "-" ? "" : p[1]}, 0) + "/methods", request).body;
  print_json(reply);
  return reply.is_object() && reply.value("status", 0) < 300 ? 0 : 1;
}

}  // namespace outpost::cli

// Fuzz target: outpostd's API request handling. The input is "METHOD TARGET\nBODY": the
// workload API answers it (with callbacks standing in for the runtime), and the body also goes
// through the management API's ModuleSpec parser and the log parameters. Every request gets
// an HTTP answer; nothing throws or crashes.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include <unistd.h>

#include "edge_ca.h"
#include "key_store.h"
#include "management_api.h"
#include "module_details.h"
#include "outpost/core/json.h"
#include "workload_api.h"

namespace {

using namespace outpost;

struct World {
  World() {
    const auto dir = std::filesystem::temp_directory_path() / ("outpost-fuzz-api-" + std::to_string(::getpid()));
    keys.emplace(*daemon::KeyStore::open((dir / "keys").string()));
    ca.emplace(*daemon::EdgeCa::load_or_generate((dir / "ca").string(), "fuzz CA", 1));
    api.emplace(daemon::WorkloadSettings{"hub", "edge", ca->certificate_pem(), ""}, *keys, *ca,
                [](const std::string& name) -> std::optional<daemon::ModuleIdentity> {
                  if (name.empty() || name.size() > 64) return std::nullopt;
                  return daemon::ModuleIdentity{name, "1", name};
                },
                [](const std::string&, std::int64_t pid, std::function<void(bool)> done) { done(pid % 2 == 0); });
  }
  std::optional<daemon::KeyStore> keys;
  std::optional<daemon::EdgeCa> ca;
  std::optional<daemon::WorkloadApi> api;
  net::EventLoop loop;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  const std::string input(reinterpret_cast<const char*>(data), size);
  const auto newline = input.find('\n');
  const auto line = input.substr(0, newline);
  const auto body = newline == std::string::npos ? std::string() : input.substr(newline + 1);
  const auto space = line.find(' ');
  net::HttpRequest request;
  request.method = line.substr(0, space);
  request.target = space == std::string::npos ? "/" : line.substr(space + 1);
  const auto q = request.target.find('?');
  request.path = request.target.substr(0, q);
  if (q != std::string::npos) request.query["api-version"] = request.target.substr(q + 1);
  request.body = body;
  request.peer = net::PeerCredentials{static_cast<std::int64_t>(size), 0, 0};
  bool answered = false;
  world.api->handle(std::move(request), net::HttpResponder::to_callback(world.loop, [&](net::HttpResponse) { answered = true; }), "");
  world.loop.poll();
  if (!answered) std::abort();

  if (auto parsed = parse_json(body)) (void)daemon::parse_module_spec(*parsed);
  bool valid = false;
  (void)daemon::parse_tail(line, valid);
  (void)daemon::parse_log_time(line, 1'700'000'000);
  (void)daemon::docker_log_frames(body);
  return 0;
}

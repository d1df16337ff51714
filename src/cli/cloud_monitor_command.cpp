// outpost cloud monitor: like `az iot hub monitor-events`, for outpost-cloud. Reads the
// cloud's event stream (GET /events/stream, server-sent events) and prints each event as
// one JSON line until Ctrl-C (or --count events). Reconnects after a lost connection,
// resuming after the last event it printed.
#include <chrono>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "cloud_api.h"
#include "commands.h"
#include "options.h"
#include "outpost/core/encoding.h"
#include "outpost/core/json.h"
#include "outpost/http_client/http_client.h"

namespace outpost::cli {
namespace {

constexpr const char* kMonitorUsage =
    "usage: outpost cloud monitor [--connection-string CS] [--url URL] [--device ID] [--from TIME|SEQ|start|now]\n"
    "                             [--ca-file PEM] [--count N]\n"
    "  --connection-string  a service connection string (policy with ServiceConnect, e.g. iothubowner);\n"
    "                       default: OUTPOST_CLOUD_CONNECTION_STRING\n"
    "  --url                the cloud's API, e.g. http://127.0.0.1:8080 (default https://<HostName>)\n"
    "  --device             only this device's events\n"
    "  --from               where to start: ISO 8601 time, sequence number, start, or now (default)\n"
    "  --ca-file            CA certificates (PEM) to trust for https\n"
    "  --count              exit after printing N events\n";

// Splits a server-sent event stream into events; keeps the last id.
class SseReader {
 public:
  // Returns false to stop reading.
  template <typename OnEvent>
  bool feed(std::string_view chunk, OnEvent&& on_event) {
    buffer_.append(chunk);
    std::size_t end;
    while ((end = buffer_.find("\n\n")) != std::string::npos) {
      const std::string block = buffer_.substr(0, end);
      buffer_.erase(0, end + 2);
      std::string data;
      std::size_t start = 0;
      while (start <= block.size()) {
        auto nl = block.find('\n', start);
        if (nl == std::string::npos) nl = block.size();
        const std::string_view line(block.data() + start, nl - start);
        if (line.substr(0, 6) == "data: ") data.append(line.substr(6));
        else if (line.substr(0, 4) == "id: ") last_id_ = std::string(line.substr(4));
        start = nl + 1;
      }
      if (!data.empty() && !on_event(data)) return false;
    }
    return true;
  }
  const std::string& last_id() const { return last_id_; }
  const std::string& pending() const { return buffer_; }

 private:
  std::string buffer_;
  std::string last_id_;
};

int monitor(const std::vector<std::string>& args) {
  const auto [positional, opts] = parse_cloud_command(args, {"device", "from", "count"});
  if (opts.has("help")) {
    std::cout << kMonitorUsage;
    return 0;
  }
  if (!positional.empty()) throw UsageError("unexpected argument '" + positional[0] + "'");
  const CloudApi api(opts);
  const long limit = std::stol(opts.get("count").value_or("0"));
  net::HttpClientOptions http;
  http.ca_file = api.ca_file();
  http.timeout = std::chrono::seconds(10);

  std::string from = opts.get("from").value_or("now");
  long printed = 0;
  std::chrono::seconds backoff{1};
  while (true) {
    std::string url = api.base_url() + "/events/stream?from=" + url_encode(from);
    if (const auto device = opts.get("device")) url += "&deviceId=" + url_encode(*device);
    SseReader reader;
    bool done = false;
    const auto status = net::http_stream(
        url, {{"Authorization", api.token(std::chrono::hours(1))}, {"Accept", "text/event-stream"}},
        [&](std::string_view chunk) {
          return reader.feed(chunk, [&](const std::string& data) {
            // One compact JSON line per event, flushed so pipes see it at once.
            const auto event = parse_json(data);
            std::cout << (event ? event->dump() : data) << std::endl;
            if (limit > 0 && ++printed >= limit) {
              done = true;
              return false;
            }
            return true;
          });
        },
        http);
    if (done) return 0;
    if (!reader.last_id().empty()) from = std::to_string(std::stoll(reader.last_id()) + 1);
    if (status && *status != 200) {
      const auto body = parse_json(reader.pending());
      const auto message = body && body->is_object() && body->contains("Message") && (*body)["Message"].is_string()
                               ? (*body)["Message"].get<std::string>()
                               : reader.pending();
      std::cerr << "outpost cloud monitor: HTTP " << *status << ": " << message
                << "\n";
      return 1;
    }
    std::cerr << "outpost cloud monitor: " << (status ? "the stream ended" : status.error()) << "; reconnecting in "
              << backoff.count() << " s\n";
    std::this_thread::sleep_for(backoff);  // back-off before the next attempt
    backoff = std::min(backoff * 2, std::chrono::seconds(30));
    if (status) backoff = std::chrono::seconds(1);
  }
}

}  // namespace

int cloud_command(const std::vector<std::string>& args) {
  try {
    if (args.empty() || args[0] == "--help" || args[0] == "help") {
      std::cout << "usage: outpost cloud <command>\n\ncommands:\n"
                   "  device      create|list|show|delete device identities\n"
                   "  deployment  apply a deployment manifest to a device or to a target condition\n"
                   "  twin        show|update a device's or module's twin\n"
                   "  invoke      call a direct method on a device or module\n"
                   "  monitor     print device-to-cloud events as JSON lines (like az iot hub monitor-events)\n";
      return args.empty() ? 2 : 0;
    }
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (args[0] == "monitor") return monitor(rest);
    if (args[0] == "device") return cloud_device_command(rest);
    if (args[0] == "deployment") return cloud_deployment_command(rest);
    if (args[0] == "twin") return cloud_twin_command(rest);
    if (args[0] == "invoke") return cloud_invoke_command(rest);
    throw UsageError("unknown cloud command '" + args[0] + "'");
  } catch (const UsageError& e) {
    std::cerr << "outpost cloud: " << e.what() << "\n(outpost cloud <command> --help shows a command's options)\n";
    return 2;
  } catch (const std::exception& e) {  // the cloud refused, or could not be reached
    std::cerr << "outpost cloud: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace outpost::cli

// outpost logs <module>: a module's output, as `iotedge logs` prints it, from the daemon's
// management API (GET /modules/{m}/logs, Docker's framing) — stdout lines on stdout, stderr
// lines on stderr; --tail N|all, --since/--until (RFC 3339, unix seconds or a duration such as
// 10m), --timestamps, -f/--follow (the API's chunked stream, until Ctrl-C or the module goes).
#include <algorithm>
#include <iostream>

#include "commands.h"
#include "device_config.h"
#include "options.h"
#include "outpost/core/encoding.h"
#include "outpost/core/json.h"
#include "outpost/http_client/http_client.h"
#include "outpost/management_client/management_client.h"

namespace outpost::cli {
namespace {

constexpr const char* kLogsUsage =
    "usage: outpost logs <module> [--tail N|all] [--since T] [--until T] [--timestamps] [-f|--follow]\n"
    "                            [-H|--host unix:///var/run/outpost/mgmt.sock] [--config /etc/outpost/config.yaml]\n";

// Docker's log framing ([stream][0 0 0][u32 BE length] + bytes) cut at any point: what
// arrives is fed, whole frames are printed, a partial one waits for the rest.
class FramePrinter {
 public:
  void feed(std::string_view bytes) {
    pending_.append(bytes);
    std::size_t at = 0;
    while (pending_.size() - at >= 8) {
      const auto length = (std::size_t{static_cast<unsigned char>(pending_[at + 4])} << 24) |
                          (std::size_t{static_cast<unsigned char>(pending_[at + 5])} << 16) |
                          (std::size_t{static_cast<unsigned char>(pending_[at + 6])} << 8) |
                          std::size_t{static_cast<unsigned char>(pending_[at + 7])};
      if (pending_.size() - at - 8 < length) break;
      auto& out = pending_[at] == 2 ? std::cerr : std::cout;
      out.write(pending_.data() + at + 8, static_cast<std::streamsize>(length));
      out.flush();
      at += 8 + length;
    }
    pending_.erase(0, at);
  }

 private:
  std::string pending_;
};

}  // namespace

int logs_command(const std::vector<std::string>& raw_args) {
  try {
    const auto args = module_arguments(raw_args, "logs");
    if (!args) {
      std::cout << kLogsUsage;
      return raw_args.empty() ? 2 : 0;
    }
    const auto& module = args->module;
    const Options opts(args->options, {"tail", "since", "until", "host", "config"}, {"follow", "timestamps"});
    const auto device = read_device_config(opts.get("config").value_or(kDefaultConfig));
    const auto uri = management_uri(opts, device);

    std::string query;
    const auto add = [&](const std::string& key, const std::string& value) {
      query += (query.empty() ? "" : "&") + key + "=" + url_encode(value);
    };
    if (auto tail = opts.get("tail")) {
      if (*tail != "all" && (tail->empty() || tail->find_first_not_of("0123456789") != std::string::npos))
        throw UsageError("--tail takes a number or all, not '" + *tail + "'");
      add("tail", *tail);
    }
    if (auto since = opts.get("since")) add("since", *since);
    if (auto until = opts.get("until")) add("until", *until);
    if (opts.has("timestamps")) add("timestamps", "true");

    auto management = management::ManagementClient::create({uri});
    if (!management) throw UsageError(management.error());
    if (!opts.has("follow")) {
      auto stream = management->module_logs(module, query);
      if (!stream) {
        std::cerr << "outpost logs: " << stream.error() << "\n";
        return 1;
      }
      FramePrinter printer;
      printer.feed(*stream);
      return 0;
    }
    // Following: the module must exist (an error body is not a log stream), then the chunked
    // stream is printed as it arrives.
    auto modules = management->list_modules();
    if (!modules) {
      std::cerr << "outpost logs: " << modules.error() << "\n";
      return 1;
    }
    if (std::none_of(modules->begin(), modules->end(), [&](const auto& m) { return m.name == module; })) {
      std::cerr << "outpost logs: no module '" << module << "' on this device (see: outpost list)\n";
      return 1;
    }
    add("follow", "true");
    net::HttpClientOptions http;
    std::string base = uri;
    if (uri.rfind("unix://", 0) == 0) {
      http.unix_socket = uri.substr(7);
      base = "http://localhost";
    }
    http.timeout = std::chrono::seconds(10);  // to connect; the stream itself has no end
    FramePrinter printer;
    const auto status = net::http_stream(
        base + "/modules/" + url_encode(module) + "/logs?api-version=2020-07-07&" + query, {},
        [&](std::string_view chunk) {
          printer.feed(chunk);
          return true;
        },
        http);
    if (!status) {
      std::cerr << "outpost logs: " << status.error() << "\n";
      return 1;
    }
    return *status < 300 ? 0 : 1;
  } catch (const UsageError& e) {
    std::cerr << "outpost logs: " << e.what() << "\n" << kLogsUsage;
    return 2;
  }
}

}  // namespace outpost::cli

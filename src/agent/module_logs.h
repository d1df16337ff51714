// GetModuleLogs, as IoT Edge's agent answers it (daemon-agent-manifest.md §4, "Direct
// methods"): for each item, the modules whose name matches its `id` regex, their logs from
// the management API (tail, since, until), filtered by `loglevel` and `regex`, as text or as
// JSON lines, optionally gzip'd (then base64 in `payloadBytes`); the whole answer at most
// 127,000 bytes, as a direct method's payload must be.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "outpost/core/result.h"
#include "outpost/management_client/management_client.h"

namespace outpost::agent {

inline constexpr std::size_t kMaxMethodPayloadBytes = 127000;

struct LogLine {
  std::string stream;  // stdout or stderr
  int loglevel = 6;    // from a "<n>" prefix (syslog levels), else 6 (info)
  std::string timestamp;
  std::string text;
};

// A since/until value (RFC 3339, unix seconds, or a duration such as "90m") as a query value.
std::string time_parameter(const nlohmann::json& value);

// Docker's multiplexed log stream (8-byte frame headers) → lines; with timestamps=true each
// line starts with its RFC 3339 time.
std::vector<LogLine> parse_log_stream(const std::string& framed);

// One module's logs as a request asked for them: text lines or a JSON array of entries,
// gzip'd when `encoding` is gzip (then binary).
struct ModuleLogs {
  std::string module;
  std::string content;
};
struct LogsFormat {
  bool gzip = false;
  bool json = true;  // contentType json (else text)
};

// The request's format ("encoding", "contentType") and each matching module's logs, with no
// size limit (UploadModuleLogs); errors (a bad request) name what is wrong, kind invalid_input.
Result<LogsFormat> logs_format(const nlohmann::json& request);
Result<std::vector<ModuleLogs>> collect_module_logs(const management::ManagementClient& management,
                                                    const nlohmann::json& request, const std::string& iothub,
                                                    const std::string& device);

// The method's answer: [{"id": module, "payload": …} or {"id", "payloadBytes"}]; errors (a bad
// request) name what is wrong, for a 400.
Result<nlohmann::json> get_module_logs(const management::ManagementClient& management, const nlohmann::json& request,
                                       const std::string& iothub, const std::string& device);

}  // namespace outpost::agent

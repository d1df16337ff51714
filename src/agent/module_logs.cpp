#include "module_logs.h"

#include <zlib.h>

#include <regex>

#include <fmt/format.h>

#include "outpost/core/encoding.h"
#include "outpost/core/json.h"

namespace outpost::agent {
namespace {

using nlohmann::json;

std::string gzip(const std::string& data) {
  z_stream stream{};
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out(deflateBound(&stream, data.size()) + 32, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

// A query parameter of the management API's logs route from a filter value.
}  // namespace

std::string time_parameter(const json& value) {
  if (value.is_number_integer()) return std::to_string(value.get<std::int64_t>());
  return value.is_string() ? url_encode(value.get<std::string>()) : "";
}

std::vector<LogLine> parse_log_stream(const std::string& framed) {
  std::vector<LogLine> lines;
  std::string pending[2];
  for (std::size_t at = 0; at + 8 <= framed.size();) {
    const int stream = framed[at] == 2 ? 1 : 0;
    const std::size_t length = (std::size_t{static_cast<unsigned char>(framed[at + 4])} << 24) |
                               (std::size_t{static_cast<unsigned char>(framed[at + 5])} << 16) |
                               (std::size_t{static_cast<unsigned char>(framed[at + 6])} << 8) |
                               std::size_t{static_cast<unsigned char>(framed[at + 7])};
    pending[stream].append(framed, at + 8, length);
    at += 8 + length;
    std::size_t newline;
    while ((newline = pending[stream].find('\n')) != std::string::npos) {
      LogLine line;
      line.stream = stream == 1 ? "stderr" : "stdout";
      auto text = pending[stream].substr(0, newline);
      pending[stream].erase(0, newline + 1);
      if (const auto space = text.find(' '); space != std::string::npos && space > 0 && std::isdigit(static_cast<unsigned char>(text[0]))) {
        line.timestamp = text.substr(0, space);
        text.erase(0, space + 1);
      }
      // "<6> ..." : a syslog level, as IoT Edge's modules write it.
      if (text.size() >= 3 && text[0] == '<' && std::isdigit(static_cast<unsigned char>(text[1])) && text[2] == '>') {
        line.loglevel = text[1] - '0';
        text.erase(0, text.size() > 3 && text[3] == ' ' ? 4 : 3);
      }
      line.text = std::move(text);
      lines.push_back(std::move(line));
    }
  }
  return lines;
}

Result<LogsFormat> logs_format(const json& request) {
  if (!request.is_object() || !request.contains("items") || !request["items"].is_array())
    return make_error(ErrorKind::invalid_input, "the request needs \"items\": [{\"id\": \"<module regex>\", \"filter\": {...}}]");
  const auto encoding = string_field(request, "encoding", "none");
  const auto content_type = string_field(request, "contentType", "json");
  if (encoding != "none" && encoding != "gzip")
    return make_error(ErrorKind::invalid_input, fmt::format("encoding '{}': expected none or gzip", encoding));
  if (content_type != "json" && content_type != "text")
    return make_error(ErrorKind::invalid_input, fmt::format("contentType '{}': expected json or text", content_type));
  return LogsFormat{encoding == "gzip", content_type == "json"};
}

Result<std::vector<ModuleLogs>> collect_module_logs(const management::ManagementClient& management, const json& request,
                                                    const std::string& iothub, const std::string& device) {
  auto format = logs_format(request);
  if (!format) return format.failure();
  auto modules = management.list_modules();
  if (!modules) return modules.failure();

  std::vector<ModuleLogs> out;
  for (const auto& item : request["items"]) {
    if (!item.is_object()) return make_error(ErrorKind::invalid_input, "each item must be an object");
    std::regex id_pattern;
    std::optional<std::regex> text_pattern;
    const auto& filter = object_field(item, "filter");
    try {
      id_pattern = std::regex(string_field(item, "id", ".*"));
      if (filter.contains("regex")) text_pattern = std::regex(string_field(filter, "regex"));
    } catch (const std::regex_error& e) {
      return make_error(ErrorKind::invalid_input, fmt::format("a regex does not parse: {}", e.what()));
    }
    std::string query = "timestamps=true";
    if (filter.contains("tail")) query += "&tail=" + std::to_string(integer_field(filter, "tail", 0));
    if (filter.contains("since")) query += "&since=" + time_parameter(filter["since"]);
    if (filter.contains("until")) query += "&until=" + time_parameter(filter["until"]);
    const auto max_level = filter.contains("loglevel") ? integer_field(filter, "loglevel", 7) : 7;
    for (const auto& module : *modules) {
      if (!std::regex_match(module.name, id_pattern)) continue;
      auto stream = management.module_logs(module.name, query);
      if (!stream) return stream.failure();
      json structured = json::array();
      std::string text;
      for (auto& line : parse_log_stream(*stream)) {
        // "loglevel": only lines of exactly that level, as IoT Edge filters.
        if (filter.contains("loglevel") && line.loglevel != max_level) continue;
        if (text_pattern && !std::regex_search(line.text, *text_pattern)) continue;
        if (!format->json) {
          text += line.text + "\n";
        } else {
          structured.push_back({{"iothub", iothub}, {"device", device}, {"id", module.name}, {"stream", line.stream},
                                {"loglevel", line.loglevel}, {"text", line.text}, {"timestamp", line.timestamp}});
        }
      }
      auto content = format->json ? structured.dump() : std::move(text);
      out.push_back({module.name, format->gzip ? gzip(content) : std::move(content)});
    }
  }
  return out;
}

Result<json> get_module_logs(const management::ManagementClient& management, const json& request, const std::string& iothub,
                             const std::string& device) {
  auto format = logs_format(request);
  if (!format) return format.failure();
  auto logs = collect_module_logs(management, request, iothub, device);
  if (!logs) return logs.failure();
  json answer = json::array();
  std::size_t total = 2;
  for (auto& module : *logs) {
    json entry{{"id", module.module}};
    if (format->gzip) entry["payloadBytes"] = base64_encode(module.content);
    else entry["payload"] = std::move(module.content);
    const auto size = entry.dump().size() + 1;
    if (total + size > kMaxMethodPayloadBytes)
      return make_error(ErrorKind::invalid_input,
                        fmt::format("the logs are more than {} bytes: ask for fewer (tail, since) or gzip them, or use "
                                    "UploadModuleLogs",
                                    kMaxMethodPayloadBytes));
    total += size;
    answer.push_back(std::move(entry));
  }
  return answer;
}

}  // namespace outpost::agent

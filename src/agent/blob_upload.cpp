#include "blob_upload.h"

#include <algorithm>
#include <ctime>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "outpost/core/encoding.h"
#include "outpost/core/ip_address.h"
#include "outpost/net/http_fetch.h"

namespace outpost::agent {
std::string iothub_name(const std::string& iothub_hostname) {
  if (is_ip_address(iothub_hostname)) return iothub_hostname;
  return iothub_hostname.substr(0, iothub_hostname.find('.'));
}

std::string blob_name(const std::string& iothub_hostname, const std::string& device, const std::string& id,
                      const std::string& extension, std::chrono::system_clock::time_point now) {
  const auto seconds = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d--%H-%M-%S", &tm);
  return fmt::format("{}/{}/{}-{}.{}", iothub_name(iothub_hostname), device, id, stamp, extension);
}

Result<std::string> blob_url(const std::string& sas_url, const std::string& name) {
  if (sas_url.rfind("https://", 0) != 0 && sas_url.rfind("http://", 0) != 0)
    return make_error("sasUrl must be an https:// URL of a blob container (with its SAS query)");
  const auto query_at = sas_url.find('?');
  auto container = sas_url.substr(0, query_at);
  while (!container.empty() && container.back() == '/') container.pop_back();
  const auto scheme_end = container.find("://") + 3;
  if (container.find('/', scheme_end) == std::string::npos) return make_error("sasUrl names no container (no path after the host)");
  std::string path;
  for (std::size_t at = 0; at <= name.size();) {
    const auto slash = std::min(name.find('/', at), name.size());
    path += "/" + url_encode(name.substr(at, slash - at));
    at = slash + 1;
  }
  return container + path + (query_at == std::string::npos ? "" : sas_url.substr(query_at));
}

Status put_blob(const BlobTarget& target, const std::string& name, std::string_view content, const std::string& content_type,
                const std::string& content_encoding) {
  auto url = blob_url(target.sas_url, name);
  if (!url) return url.failure();
  net::Headers headers{{"x-ms-blob-type", "BlockBlob"}, {"Content-Type", content_type}, {"x-ms-version", "2019-12-12"}};
  if (!content_encoding.empty()) headers.emplace_back("Content-Encoding", content_encoding);
  net::HttpClientOptions options;
  options.ca_file = target.ca_file;
  options.timeout = std::chrono::seconds(60);
  const std::chrono::milliseconds pauses[] = {std::chrono::milliseconds(0), target.retry_first, target.retry_second};
  std::string last_error;
  for (const auto pause : pauses) {
    if (pause.count() > 0) {
      spdlog::info("agent: upload of {} failed ({}); again in {} ms", name, last_error, pause.count());
      std::this_thread::sleep_for(pause);
    }
    auto reply = net::fetch("PUT", *url, headers, content, options);
    if (reply && (reply->status == 201 || reply->status == 200)) return {};
    last_error = reply ? fmt::format("the blob store answered {}: {}", reply->status, reply->body.substr(0, 200)) : reply.error();
    // A refusal (403: the SAS is wrong or expired, 404: no such container) will not change.
    if (reply && reply->status >= 400 && reply->status < 500 && reply->status != 408 && reply->status != 429) break;
  }
  return make_error(ErrorKind::unavailable, fmt::format("upload of {}: {}", name, last_error));
}

}  // namespace outpost::agent

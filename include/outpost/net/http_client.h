// A blocking HTTP(S) client on libcurl, for the CLI, tools and tests.
#pragma once
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "outpost/core/result.h"

namespace outpost::net {

struct HttpClientOptions {
  std::string ca_file;  // PEM bundle to trust; empty = the system's
  std::chrono::milliseconds timeout{30000};
  std::string unix_socket;  // talk HTTP over this unix socket instead of TCP
};

struct HttpClientResponse {
  long status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string header(std::string_view name) const;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

Result<HttpClientResponse> http_request(std::string_view method, const std::string& url,
                                        const Headers& headers = {}, std::string_view body = {},
                                        const HttpClientOptions& options = {});

// Streams a response body to `on_data` as it arrives; returning false stops. For SSE.
Result<long> http_stream(const std::string& url, const Headers& headers,
                         const std::function<bool(std::string_view)>& on_data,
                         const HttpClientOptions& options = {});

}  // namespace outpost::net

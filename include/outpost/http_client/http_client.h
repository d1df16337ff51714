// A blocking HTTP(S) client on libcurl, for the CLI, tools and tests.
#pragma once
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "outpost/core/result.h"
#include "outpost/net/http_client_types.h"

namespace outpost::net {

Result<HttpClientResponse> http_request(std::string_view method, const std::string& url,
                                        const Headers& headers = {}, std::string_view body = {},
                                        const HttpClientOptions& options = {});

// Streams a response body to `on_data` as it arrives; returning false stops. For SSE.
Result<long> http_stream(const std::string& url, const Headers& headers,
                         const std::function<bool(std::string_view)>& on_data,
                         const HttpClientOptions& options = {});

}  // namespace outpost::net

// A small blocking HTTP(S) client on Beast, for daemons that must stay lean: outpost-hub
// fetches its device scope with it instead of linking libcurl (whose dependency tree costs
// ~4 MB of resident memory). One request per call, TLS verified against `ca_file` (or the
// system store), bounded by `options.timeout`. Types are shared with the libcurl client (http_client_types.h).
#pragma once
#include <string>
#include <string_view>

#include "outpost/core/result.h"
#include "outpost/net/http_client_types.h"

namespace outpost::net {

// `url`: http://host:port/path or https://host[:port]/path; with options.unix_socket set,
// http://<any host>/path over that socket (the host is only the Host header).
Result<HttpClientResponse> fetch(std::string_view method, const std::string& url, const Headers& headers = {},
                                 std::string_view body = {}, const HttpClientOptions& options = {});

}  // namespace outpost::net

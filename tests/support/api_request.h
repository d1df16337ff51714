// An HttpRequest as the server would hand it to a transport-free handler: path and query
// split, the query decoded as key=value pairs, a body, and the caller's PID as SO_PEERCRED
// would give it on a unix socket.
#pragma once
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "outpost/net/http_server.h"

namespace outpost::testing {

// `body`: null for none, a string as it is, anything else dumped as JSON.
inline net::HttpRequest api_request(const std::string& method, const std::string& target,
                                    const nlohmann::json& body = nullptr, std::optional<std::int64_t> peer_pid = std::nullopt) {
  net::HttpRequest r;
  r.method = method;
  r.target = target;
  const auto q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) {
    std::size_t start = q + 1;
    while (start < target.size()) {
      auto amp = target.find('&', start);
      if (amp == std::string::npos) amp = target.size();
      const auto item = target.substr(start, amp - start);
      const auto eq = item.find('=');
      r.query[item.substr(0, eq)] = eq == std::string::npos ? "" : item.substr(eq + 1);
      start = amp + 1;
    }
  }
  if (!body.is_null()) r.body = body.is_string() ? body.get<std::string>() : body.dump();
  if (peer_pid) r.peer = net::PeerCredentials{*peer_pid, 0, 0};
  return r;
}

}  // namespace outpost::testing

// Small helpers shared by the service API's handler files.
#pragma once
#include <algorithm>
#include <charconv>

#include <nlohmann/json.hpp>

#include "outcome.h"
#include "outpost/core/json.h"
#include "outpost/net/http_server.h"

namespace outpost::cloud {

inline Outcome<nlohmann::json> json_body(const net::HttpRequest& request) {
  if (request.body.empty()) return nlohmann::json::object();
  auto body = parse_json(request.body);
  if (!body) return bad_request("the body is " + body.error());
  return std::move(*body);
}

// ?top=n (1..1000), or `fallback`.
inline std::size_t top_of(const net::HttpRequest& request, std::size_t fallback) {
  const auto top = request.query_param("top");
  if (!top) return fallback;
  std::size_t n = 0;
  const auto [ptr, ec] = std::from_chars(top->data(), top->data() + top->size(), n);
  return ec == std::errc{} && ptr == top->data() + top->size() && n > 0 ? std::min<std::size_t>(n, 1000) : fallback;
}

}  // namespace outpost::cloud

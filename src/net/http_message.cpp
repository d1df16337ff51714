// HttpRequest and HttpResponse: the transport-free halves every handler sees, and turning
// what Beast parsed into an HttpRequest.
#include <boost/beast/http.hpp>

#include "http_session.h"
#include "outpost/core/encoding.h"
#include "outpost/net/http_server.h"

namespace outpost::net {

std::optional<std::string> HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return std::nullopt;
}

std::optional<std::string> HttpRequest::query_param(const std::string& name) const {
  const auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> HttpRequest::path_segments() const {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const auto end = slash == std::string::npos ? path.size() : slash;
    if (end > start) parts.push_back(path.substr(start, end - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return parts;
}

HttpResponse HttpResponse::text(int status, std::string body, std::string content_type) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("Content-Type", std::move(content_type));
  return r;
}

HttpResponse HttpResponse::json(int status, std::string json_body) {
  return text(status, std::move(json_body), "application/json; charset=utf-8");
}

HttpResponse& HttpResponse::with_header(std::string name, std::string value) {
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

HttpRequest to_request(http::request<http::string_body>&& raw, std::string remote) {
  HttpRequest req;
  req.method = std::string(raw.method_string());
  req.target = std::string(raw.target());
  const auto q = req.target.find('?');
  const std::string_view raw_path = std::string_view(req.target).substr(0, q);
  req.path = url_decode(raw_path).value_or(std::string(raw_path));
  if (q != std::string::npos) {
    std::string_view query = std::string_view(req.target).substr(q + 1);
    while (!query.empty()) {
      const auto amp = query.find('&');
      const auto item = query.substr(0, amp);
      const auto eq = item.find('=');
      auto key = url_decode(item.substr(0, eq)).value_or(std::string(item.substr(0, eq)));
      std::string value;
      if (eq != std::string_view::npos) {
        std::string v(item.substr(eq + 1));
        for (auto& c : v) if (c == '+') c = ' ';
        value = url_decode(v).value_or(v);
      }
      if (!key.empty()) req.query[key] = value;
      if (amp == std::string_view::npos) break;
      query = query.substr(amp + 1);
    }
  }
  for (const auto& field : raw) req.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  req.body = std::move(raw.body());
  req.remote_address = std::move(remote);
  return req;
}

}  // namespace outpost::net

#include "dashboard_server.h"

namespace outpost::cloud {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Headers every dashboard answer carries, 404s included.
net::HttpResponse with_security_headers(net::HttpResponse response) {
  response.with_header("Content-Security-Policy", std::string(DashboardServer::kContentSecurityPolicy));
  response.with_header("X-Content-Type-Options", "nosniff");
  response.with_header("Referrer-Policy", "no-referrer");
  response.with_header("X-Frame-Options", "DENY");
  return response;
}

}  // namespace

std::string_view content_type_of(std::string_view path) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},   {".svg", "image/svg+xml"},
      {".png", "image/png"},                 {".json", "application/json"},
      {".txt", "text/plain; charset=utf-8"}, {".ico", "image/x-icon"}};
  for (const auto& [suffix, type] : kTypes)
    if (ends_with(path, suffix)) return type;
  return "application/octet-stream";
}

DashboardServer::DashboardServer(std::span<const EmbeddedFile> files) {
  for (const auto& f : files) files_.emplace(std::string(f.path), &f);
}

std::optional<net::HttpResponse> DashboardServer::serve(const net::HttpRequest& request) const {
  if (request.method != "GET") return std::nullopt;
  std::string_view name;
  if (request.path == "/") {
    name = "index.html";
  } else if (request.path.starts_with(kPrefix)) {
    name = std::string_view(request.path).substr(kPrefix.size());
  } else {
    return std::nullopt;
  }
  // Exact names from the embedded table only: "..", "//" or anything unlisted is a 404.
  const auto found = files_.find(name);
  if (found == files_.end())
    return with_security_headers(net::HttpResponse::text(404, "no dashboard file '" + std::string(name) + "'\n"));
  const auto& file = *found->second;
  const std::string etag = "\"" + std::string(file.sha256.substr(0, 20)) + "\"";
  net::HttpResponse response;
  if (request.header("If-None-Match").value_or("").find(etag) != std::string::npos) {
    response.status = 304;
  } else {
    response.status = 200;
    response.body = std::string(file.bytes);
    response.with_header("Content-Type", std::string(content_type_of(file.path)));
  }
  response.with_header("ETag", etag);
  response.with_header("Cache-Control", "no-cache");
  return with_security_headers(std::move(response));
}

}  // namespace outpost::cloud

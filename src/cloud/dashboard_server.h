// The web dashboard's static files, served to anyone: GET / (index.html) and
// GET /dashboard/<file>. Nothing else: every data call the page makes goes to the service
// REST API with the user's SAS token (docs/CLOUD.md, "Dashboard"). Responses carry their
// Content-Type, an ETag (answered with 304 on If-None-Match), Cache-Control: no-cache (a
// new binary may change the files) and a Content-Security-Policy that allows scripts, styles
// and fetches from this origin only (no inline script, no other host).
#pragma once
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "embedded_file.h"
#include "outpost/net/http_server.h"

namespace outpost::cloud {

class DashboardServer {
 public:
  explicit DashboardServer(std::span<const EmbeddedFile> files);

  // The answer when `request` is a GET of the dashboard's paths; nullopt for anything else
  // (the caller passes it on to the API).
  std::optional<net::HttpResponse> serve(const net::HttpRequest& request) const;

  static constexpr std::string_view kPrefix = "/dashboard/";
  static constexpr std::string_view kContentSecurityPolicy =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
      "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

 private:
  std::map<std::string, const EmbeddedFile*, std::less<>> files_;
};

// "text/javascript; charset=utf-8" for "app.js", ...; application/octet-stream when unknown.
std::string_view content_type_of(std::string_view path);

}  // namespace outpost::cloud

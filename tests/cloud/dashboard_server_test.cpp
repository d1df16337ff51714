// The dashboard's static files: what is served (index.html at /, the rest under /dashboard/),
// with which Content-Type, ETag/304, Cache-Control and Content-Security-Policy; what is not
// (other names, traversal, other methods); that serving them opens nothing of the API (every
// API path still needs a token); and that the files hang together (every file the page
// references or imports is embedded; no inline script, which the CSP would block anyway).
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <set>
#include <thread>

#include "cloud.h"
#include "cloud_test_util.h"
#include "dashboard_server.h"
#include "ids.h"

namespace outpost::cloud {
namespace {

net::HttpRequest get(const std::string& path, std::vector<std::pair<std::string, std::string>> headers = {}) {
  net::HttpRequest r;
  r.method = "GET";
  r.path = path;
  r.target = path;
  r.headers = std::move(headers);
  return r;
}

std::string header(const net::HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return {};
}

const DashboardServer& server() {
  static const DashboardServer s(dashboard_files());
  return s;
}

TEST(DashboardServer, ServesIndexAtTheRootWithItsSecurityHeaders) {
  const auto r = server().serve(get("/"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(header(*r, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(r->body.find("<script type=\"module\" src=\"/dashboard/app.js\">"), std::string::npos);
  const auto csp = header(*r, "Content-Security-Policy");
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("script-src 'self';"), std::string::npos) << csp;
  EXPECT_NE(csp.find("connect-src 'self'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-eval"), std::string::npos) << csp;
  EXPECT_EQ(header(*r, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(header(*r, "Cache-Control"), "no-cache");
  EXPECT_FALSE(header(*r, "ETag").empty());
}

TEST(DashboardServer, EveryFileHasItsContentTypeAndAnETagThatAnswers304) {
  ASSERT_GE(dashboard_files().size(), 5u);
  for (const auto& f : dashboard_files()) {
    const auto r = server().serve(get("/dashboard/" + std::string(f.path)));
    ASSERT_TRUE(r) << f.path;
    EXPECT_EQ(r->status, 200) << f.path;
    EXPECT_EQ(r->body, f.bytes) << f.path;
    EXPECT_EQ(header(*r, "Content-Type"), content_type_of(f.path)) << f.path;
    EXPECT_NE(header(*r, "Content-Type"), "application/octet-stream") << f.path << ": an unknown type";
    const auto etag = header(*r, "ETag");
    ASSERT_EQ(etag.size(), 22u) << f.path;
    const auto again = server().serve(get("/dashboard/" + std::string(f.path), {{"If-None-Match", etag}}));
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 304) << f.path;
    EXPECT_TRUE(again->body.empty());
    EXPECT_EQ(header(*again, "ETag"), etag);
    const auto stale = server().serve(get("/dashboard/" + std::string(f.path), {{"If-None-Match", "\"0000\""}}));
    EXPECT_EQ(stale->status, 200) << f.path;
  }
  EXPECT_EQ(content_type_of("pages/devices.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type_of("style.css"), "text/css; charset=utf-8");
  EXPECT_EQ(content_type_of("icon.svg"), "image/svg+xml");
  EXPECT_EQ(content_type_of("x.bin"), "application/octet-stream");
}

TEST(DashboardServer, UnknownNamesTraversalAndOtherMethodsAreNotServed) {
  for (const auto* path : {"/dashboard/", "/dashboard/nope.js", "/dashboard/../cloud.yaml", "/dashboard//app.js",
                           "/dashboard/pages/../app.js", "/dashboard/app.js/", "/dashboard/APP.JS"}) {
    const auto r = server().serve(get(path));
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 404) << path;
    EXPECT_FALSE(header(*r, "Content-Security-Policy").empty()) << path;
  }
  // Not the dashboard's: left to the API (which asks for a token).
  for (const auto* path : {"/devices", "/index.html", "/dashboard", "/events/stream", "/twins/d1"})
    EXPECT_FALSE(server().serve(get(path))) << path;
  auto post = get("/");
  post.method = "POST";
  EXPECT_FALSE(server().serve(post));
  auto put = get("/dashboard/app.js");
  put.method = "PUT";
  EXPECT_FALSE(server().serve(put));
}

// Every /dashboard/ reference in index.html and every relative import in the scripts names an
// embedded file; no inline script or event-handler attribute (the CSP would block them).
TEST(DashboardServer, TheFilesReferenceOnlyEmbeddedFilesAndHaveNoInlineScript) {
  std::set<std::string> names;
  for (const auto& f : dashboard_files()) names.emplace(f.path);
  const auto index = std::string(server().serve(get("/"))->body);
  const std::regex ref(R"re("/dashboard/([^"]+)")re");
  int refs = 0;
  for (std::sregex_iterator it(index.begin(), index.end(), ref), end; it != end; ++it, ++refs)
    EXPECT_TRUE(names.count((*it)[1])) << "index.html names /dashboard/" << (*it)[1];
  EXPECT_GE(refs, 3);
  EXPECT_FALSE(std::regex_search(index, std::regex(R"(<script(?![^>]*\bsrc=)[^>]*>)"))) << "an inline <script>";
  EXPECT_FALSE(std::regex_search(index, std::regex(R"(\son[a-z]+\s*=)", std::regex::icase))) << "an on...= attribute";
  const std::regex import(R"re((?:from\s+|import\()'(\.\.?/[^']+)')re");
  for (const auto& f : dashboard_files()) {
    if (!f.path.ends_with(".js")) continue;
    const std::string text(f.bytes);
    const std::string folder = f.path.find('/') == std::string_view::npos ? "" : std::string(f.path.substr(0, f.path.rfind('/') + 1));
    for (std::sregex_iterator it(text.begin(), text.end(), import), end; it != end; ++it) {
      std::string target = (*it)[1];
      std::string base = folder;
      while (target.starts_with("../")) {
        target = target.substr(3);
        base = base.empty() ? base : base.substr(0, base.rfind('/', base.size() - 2) + 1);
        if (base == "/") base.clear();
      }
      if (target.starts_with("./")) target = target.substr(2);
      EXPECT_TRUE(names.count(base + target)) << f.path << " imports " << (*it)[1] << " (" << base + target << ")";
    }
    EXPECT_EQ(text.find("innerHTML"), std::string::npos) << f.path << ": text goes in as text nodes";
    EXPECT_EQ(text.find("eval("), std::string::npos) << f.path;
  }
}

// Through the cloud's HTTP entry: the files are open, the API next to them is not.
class DashboardThroughTheCloud : public ::testing::Test {
 protected:
  DashboardThroughTheCloud() {
    CloudSettings s;
    s.hostname = "dash.test";
    s.storage_folder = dir.path();
    cloud = std::make_unique<Cloud>(loop, s);
  }
  net::HttpResponse call(net::HttpRequest request) {
    std::optional<net::HttpResponse> got;
    cloud->handle_http(std::move(request), net::HttpResponder::to_callback(loop, [&](net::HttpResponse r) { got = std::move(r); }));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!got && std::chrono::steady_clock::now() < deadline)
      if (loop.poll() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_TRUE(got) << "no answer";
    return got.value_or(net::HttpResponse{});
  }
  testing::TempDir dir;
  net::EventLoop loop;
  std::unique_ptr<Cloud> cloud;
};

TEST_F(DashboardThroughTheCloud, StaticFilesAreOpenAndEveryApiPathStillNeedsAToken) {
  EXPECT_EQ(call(get("/")).status, 200);
  EXPECT_EQ(call(get("/dashboard/app.js")).status, 200);
  for (const auto* path : {"/devices", "/devices/d1", "/twins/d1", "/configurations", "/statistics/devices", "/events",
                           "/events/stream"}) {
    const auto r = call(get(path));
    EXPECT_EQ(r.status, 401) << path << ": " << r.body;
    EXPECT_TRUE(header(r, "Content-Security-Policy").empty()) << path << " is no dashboard file";
  }
  auto query = get("/devices/query");
  query.method = "POST";
  query.body = R"({"query":"SELECT * FROM devices"})";
  EXPECT_EQ(call(query).status, 401);
  // A token signed with a wrong key, as a bad sign-in makes, is refused too.
  auto forged = get("/statistics/devices", {{"Authorization", "SharedAccessSignature sr=dash.test&sig=AAAA&se=9999999999&skn=iothubowner"}});
  EXPECT_EQ(call(forged).status, 401);
  EXPECT_EQ(call(get("/healthz")).status, 200);
}

}  // namespace
}  // namespace outpost::cloud

// ServiceApi: POST /devices/query (IoT Hub query language) and /configurations.
#include <charconv>

#include "api_util.h"
#include "cloud.h"
#include "outpost/cloud_query/query.h"
#include "service_api.h"
#include "outpost/core/encoding.h"

namespace outpost::cloud {

using nlohmann::json;

void ServiceApi::query(const net::HttpRequest& request, Reply& reply) {
  if (!authorized(request, rights::kRegistryRead | rights::kServiceConnect, reply)) return;
  const auto body = json_body(request);
  if (!body) return reply(error_response(body.error()));
  if (!body->is_object() || !body->contains("query") || !(*body)["query"].is_string())
    return reply(error_response(bad_request("the body must be {\"query\": \"SELECT * FROM devices WHERE ...\"}")));
  const auto parsed = query::parse_query((*body)["query"].get<std::string>());
  if (!parsed) return reply(error_response({400, "BadRequest", "query: " + parsed.error()}));

  std::vector<json> documents;
  for (const auto& twin : cloud_.storage().list_twins(parsed->modules)) documents.push_back(cloud_.twin_document(twin));
  auto rows = query::run(*parsed, documents);

  // Paging: x-ms-max-item-count per page; the continuation token is the next offset.
  std::size_t page = 100, offset = 0;
  if (const auto max = request.header("x-ms-max-item-count")) {
    std::size_t n = 0;
    const auto [ptr, ec] = std::from_chars(max->data(), max->data() + max->size(), n);
    if (ec != std::errc{} || ptr != max->data() + max->size() || n == 0)
      return reply(error_response(bad_request("x-ms-max-item-count must be a positive integer")));
    page = std::min<std::size_t>(n, 1000);
  }
  if (const auto token = request.header("x-ms-continuation"); token && !token->empty()) {
    const auto decoded = base64_decode(*token);
    std::size_t n = 0;
    if (!decoded || std::from_chars(decoded->data(), decoded->data() + decoded->size(), n).ec != std::errc{})
      return reply(error_response(bad_request("x-ms-continuation is not a token this hub issued")));
    offset = n;
  }
  json out = json::array();
  for (std::size_t i = offset; i < rows.size() && i < offset + page; ++i) out.push_back(std::move(rows[i]));
  auto response = json_response(200, out);
  response.with_header("x-ms-item-type", parsed->select_all ? (parsed->modules ? "ModuleTwin" : "Twin") : "Json");
  if (offset + page < rows.size()) response.with_header("x-ms-continuation", base64_encode(std::to_string(offset + page)));
  reply(std::move(response));
}

void ServiceApi::configurations(const net::HttpRequest& request, const std::vector<std::string>& parts, Reply& reply) {
  auto& deployments = cloud_.deployments();
  if (parts.size() == 1) {
    if (request.method != "GET") return reply(error_response({405, "MethodNotAllowed", "GET /configurations lists them"}));
    if (!authorized(request, rights::kRegistryRead, reply)) return;
    json list = json::array();
    for (const auto& c : deployments.list(top_of(request, 1000))) list.push_back(deployments.document(c));
    reply(json_response(200, list));
    return;
  }
  if (parts.size() != 2) return reply(error_response({404, "NotFound", request.path + " is not an API of outpost-cloud"}));
  const auto& id = parts[1];
  if (request.method == "GET") {
    if (!authorized(request, rights::kRegistryRead, reply)) return;
    const auto c = deployments.get(id);
    if (!c) return reply(error_response(c.error()));
    reply(json_response(200, deployments.document(*c), c->etag));
    return;
  }
  if (request.method == "PUT") {
    if (!authorized(request, rights::kRegistryWrite, reply)) return;
    const auto body = json_body(request);
    if (!body) return reply(error_response(body.error()));
    const auto c = deployments.put(id, *body, request.header("If-Match"));
    if (!c) return reply(error_response(c.error()));
    reply(json_response(200, deployments.document(*c), c->etag));
    return;
  }
  if (request.method == "DELETE") {
    if (!authorized(request, rights::kRegistryWrite, reply)) return;
    if (auto r = deployments.remove(id, request.header("If-Match")); !r) return reply(error_response(r.error()));
    reply(net::HttpResponse::text(204, ""));
    return;
  }
  reply(error_response({405, "MethodNotAllowed", "configurations support GET, PUT and DELETE"}));
}

}  // namespace outpost::cloud

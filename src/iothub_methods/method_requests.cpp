#include "outpost/iothub_methods/method_requests.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "outpost/core/json.h"

namespace outpost::iothub {

namespace {

// A whole number of seconds in [low, high] under `key`, `fallback` when absent.
std::optional<ServiceError> seconds_field(const nlohmann::json& body, const char* key, int low, int high,
                                          std::chrono::seconds& out) {
  const auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer() || it->get<std::int64_t>() < low || it->get<std::int64_t>() > high)
    return bad_request(fmt::format("{} must be a whole number from {} to {}", key, low, high));
  out = std::chrono::seconds(it->get<std::int64_t>());
  return std::nullopt;
}

}  // namespace

std::optional<ServiceError> parse_method_request(std::string_view text, MethodRequest& out) {
  out = {};
  auto parsed = parse_json(text);
  if (!parsed) return bad_request("the body is " + parsed.error());
  const auto& body = *parsed;
  const auto name = body.is_object() ? body.find("methodName") : body.end();
  if (!body.is_object() || name == body.end() || !name->is_string() || name->get<std::string>().empty())
    return bad_request("the body must be {\"methodName\":..., \"payload\":..., \"responseTimeoutInSeconds\":...}");
  out.method = name->get<std::string>();
  if (auto e = seconds_field(body, "responseTimeoutInSeconds", 5, 300, out.response_timeout)) return e;
  if (auto e = seconds_field(body, "connectTimeoutInSeconds", 0, 300, out.connect_timeout)) return e;
  if (const auto payload = body.find("payload"); payload != body.end()) out.payload_json = payload->dump();
  if (out.payload_json.size() > kMaxMethodPayloadSize)
    return ServiceError{413, "MessageTooLarge", "method payloads are limited to 128 KB"};
  return std::nullopt;
}

MethodAnswer method_answer(const MethodResult& result, const Identity& target) {
  if (!result.from_device) {
    if (result.status == 504)
      return {ServiceError{504, "GatewayTimeout", "Timed out waiting for the response from '" + target.id() + "'"}, {}};
    return {ServiceError{404, "DeviceNotOnline", "'" + target.id() + "' is not online or not listening for methods"},
            {}};
  }
  if (json_nesting_depth(result.payload_json, kMaxJsonDepth) > kMaxJsonDepth)
    return {ServiceError{400, "BadRequest",
                         fmt::format("the answer of '{}' is JSON nested deeper than {} levels", target.id(), kMaxJsonDepth)},
            {}};
  auto parsed = parse_json(result.payload_json);
  // Not JSON: answered as a string.
  nlohmann::json payload = parsed ? std::move(*parsed) : nlohmann::json(result.payload_json);
  return {std::nullopt, nlohmann::json{{"status", result.status}, {"payload", payload}}.dump()};
}

}  // namespace outpost::iothub

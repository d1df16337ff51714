#include "outpost/iothub/c2d_headers.h"

#include <fmt/format.h>

#include "outpost/core/clock.h"
#include "outpost/core/encoding.h"

namespace outpost::iothub {

namespace {

// Headers that map to a system property unchanged (lower-case names).
constexpr std::pair<std::string_view, std::string_view> kSystemHeaders[] = {
    {"iothub-messageid", sysprop::kMessageId},    {"iothub-correlationid", sysprop::kCorrelationId},
    {"iothub-userid", sysprop::kUserId},          {"iothub-ack", sysprop::kAck},
    {"content-type", sysprop::kContentType},      {"content-encoding", sysprop::kContentEncoding},
};
constexpr std::string_view kAppPrefix = "iothub-app-";

}  // namespace

std::optional<ServiceError> c2d_request_from_http(const std::vector<std::pair<std::string, std::string>>& headers,
                                                  std::string body, C2dRequest& out) {
  out = {};
  out.message.body = std::move(body);
  for (const auto& [name, value] : headers) {
    const auto lower = to_lower(name);
    if (lower.size() > kAppPrefix.size() && lower.rfind(kAppPrefix, 0) == 0) {
      out.message.application.set(name.substr(kAppPrefix.size()), value);
      continue;
    }
    if (lower == "iothub-expiry") {
      out.expiry_ms = parse_iso8601_ms(value);
      if (!out.expiry_ms) return bad_request("iothub-expiry must be an ISO 8601 UTC time, got '" + value + "'");
      out.message.system.set(std::string(sysprop::kExpiryTime), value);
      continue;
    }
    for (const auto& [header, property] : kSystemHeaders)
      if (lower == header) out.message.system.set(std::string(property), value);
  }
  if (const auto size = out.message.counted_size(); size > kMaxC2dMessageSize)
    return ServiceError{413, "MessageTooLarge",
                        fmt::format("cloud-to-device messages are limited to 64 KB; this one counts {} bytes", size)};
  return std::nullopt;
}

std::optional<std::int64_t> expiry_of(const Message& message) {
  const auto text = message.system.get(sysprop::kExpiryTime);
  return text ? parse_iso8601_ms(*text) : std::nullopt;
}

}  // namespace outpost::iothub

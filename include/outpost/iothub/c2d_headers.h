// A cloud-to-device message from an HTTP request, mapped as IoT Hub's service SDKs send
// one: the body, and the headers
//   iothub-messageid, iothub-correlationid, iothub-userid, iothub-ack, iothub-expiry (ISO
//   8601 UTC), Content-Type, Content-Encoding, iothub-app-{name} (application properties).
// Header names are case-insensitive; other headers are ignored. C2D messages are at most
// 64 KB (IoT Hub's limit). Used by the cloud's queue and the edge hub's live relay.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "outpost/core/message.h"
#include "outpost/iothub/errors.h"

namespace outpost::iothub {

inline constexpr std::size_t kMaxC2dMessageSize = 64 * 1024;

struct C2dRequest {
  Message message;
  std::optional<std::int64_t> expiry_ms;  // iothub-expiry, unix ms (also in the message as $.exp)
};

// Fills `out`; the error (400 for a bad iothub-expiry, 413 over 64 KB) when it cannot.
std::optional<ServiceError> c2d_request_from_http(const std::vector<std::pair<std::string, std::string>>& headers,
                                                  std::string body, C2dRequest& out);

// The expiry a message carries ($.exp, ISO 8601), as unix ms; nullopt when absent or unreadable.
std::optional<std::int64_t> expiry_of(const Message& message);

}  // namespace outpost::iothub

// Identifier rules and generated values: device and module ids, keys, generation ids,
// etags and edge device scopes, as IoT Hub shapes them.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "outpost/core/clock.h"
#include "outpost/core/result.h"

namespace outpost::cloud {

// Device and module ids: 1..128 ASCII letters, digits and - . % _ * ? ! ( ) , : = @ $ '
// (IoT Hub's set). The error names the id and the offending character.
Status validate_identity_id(std::string_view id, std::string_view what);
// Configuration ids: 1..128 lowercase letters, digits and - : + % _ # * ? ! ( ) , = @ ; '
Status validate_configuration_id(std::string_view id);
// A symmetric key must be base64 of 16..64 bytes.
Status validate_symmetric_key(std::string_view key, std::string_view what);

std::string generate_key();                          // base64 of 32 random bytes
std::string generate_generation_id(const Clock& clock);  // 18 digits, like IoT Hub's
std::string generate_etag();                         // base64 of random digits, like IoT Hub's device etags
std::string version_etag(std::int64_t version);      // base64 of the big-endian version: "AAAAAAAAAAE="

inline constexpr std::string_view kEdgeScopePrefix = "ms-azure-iot-edge://";
std::string edge_scope(std::string_view device_id, std::string_view generation_id);
// The edge device id a scope names ("ms-azure-iot-edge://edge1-637..." -> "edge1").
std::optional<std::string> scope_device_id(std::string_view scope);

inline constexpr std::string_view kEdgeAgent = "$edgeAgent";
inline constexpr std::string_view kEdgeHub = "$edgeHub";

// ETags arrive quoted ("\"AAAA\"") or bare; "*" matches anything.
std::string unquote_etag(std::string_view etag);
std::string quote_etag(std::string_view etag);

}  // namespace outpost::cloud

// IoT Hub shared access signature tokens:
//   SharedAccessSignature sr={urlenc(uri)}&sig={urlenc(b64 sig)}&se={unix secs}[&skn={policy}]
// sig = base64(HMAC-SHA256(base64decode(key), sr_as_sent + "\n" + se)); fields in any order.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "outpost/core/result.h"

namespace outpost {

struct SasToken {
  std::string resource_uri_raw;  // `sr` exactly as sent (still percent-encoded): what is signed
  std::string resource_uri;      // `sr` decoded once
  std::string signature;         // `sig` decoded once: base64 text
  std::int64_t expiry = 0;       // `se`, unix seconds
  std::optional<std::string> key_name;  // `skn`, only for policy keys
};

Result<SasToken> parse_sas_token(std::string_view token);

// Builds a token for `resource_uri` (not yet encoded, e.g. "hub/devices/d1"); the uri is
// percent-encoded with lowercase hex as IoT Hub's docs ask. `key_base64` is the shared key.
Result<std::string> build_sas_token(std::string_view resource_uri, std::string_view key_base64,
                                    std::int64_t expiry_unix_seconds,
                                    std::optional<std::string_view> key_name = std::nullopt);

// What signs for an identity: base64(HMAC-SHA256(key, data)). A key held here
// (local_key_signer), or one only the workload API holds (the hub as a system module).
using KeySigner = std::function<Result<std::string>(std::string_view data)>;
// Signs with a base64 shared key; its answers are errors when the key is not base64.
KeySigner local_key_signer(std::string key_base64);
// The same token as build_sas_token's, signed by `sign`.
Result<std::string> build_sas_token(std::string_view resource_uri, const KeySigner& sign,
                                    std::int64_t expiry_unix_seconds);

// The signature for (sr as sent, se) under a base64 key; nullopt when the key is not base64.
std::optional<std::string> sas_signature(std::string_view resource_uri_raw, std::int64_t expiry,
                                         std::string_view key_base64);

// Who a device-scope token must be for: host/devices/{d}[/modules/{m}].
struct SasAudience {
  std::vector<std::string> accepted_hosts;  // hub host name, plus the edge device's own host name
  std::string device_id;
  std::optional<std::string> module_id;
};

enum class SasFailure { none, malformed, expired, wrong_audience, bad_signature };

struct SasVerification {
  SasFailure failure = SasFailure::none;
  std::string detail;  // human-readable reason for logs (never contains key material)
  bool used_secondary_key = false;
  bool ok() const { return failure == SasFailure::none; }
};

struct SasKeys {
  std::string primary;    // base64
  std::string secondary;  // base64, may be empty
};

inline constexpr std::chrono::seconds kSasClockSkew{300};

// Verifies signature (primary, then secondary key, constant-time), expiry (with 5 minutes
// of skew) and, when `audience` is given, that `sr` names exactly that identity
// (IDs compared case-insensitively, as edgeHub does).
SasVerification verify_sas_token(std::string_view token, const SasKeys& keys,
                                 const SasAudience* audience, std::int64_t now_unix_seconds,
                                 std::chrono::seconds skew = kSasClockSkew);
SasVerification verify_sas_token(const SasToken& token, const SasKeys& keys,
                                 const SasAudience* audience, std::int64_t now_unix_seconds,
                                 std::chrono::seconds skew = kSasClockSkew);

// Splits a decoded `sr` of the device form into its identity; nullopt for other shapes.
struct SasResourceIdentity {
  std::string host;
  std::string device_id;
  std::optional<std::string> module_id;
};
std::optional<SasResourceIdentity> parse_device_resource_uri(std::string_view decoded_sr);

// "host/devices/{enc(d)}[/modules/{enc(m)}]" with IDs percent-encoded as the SDKs do.
std::string device_resource_uri(std::string_view host, std::string_view device_id,
                                std::optional<std::string_view> module_id = std::nullopt);

}  // namespace outpost

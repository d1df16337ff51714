// Passwords of plain MQTT users (hub.yaml `mqtt_broker.users`), stored only as PBKDF2-SHA256
// hashes in one self-describing line:
//   pbkdf2-sha256$<iterations>$<salt, base64>$<derived key, base64>
// `outpost-hub --hash-password` prints one for a password read from standard input.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "outpost/core/result.h"

namespace outpost::hub {

// 100,000 iterations: a few tens of milliseconds per CONNECT on a gateway-class CPU.
inline constexpr std::uint32_t kPasswordHashIterations = 100'000;

std::string hash_password(std::string_view password, std::uint32_t iterations = kPasswordHashIterations);
// Whether `hash` is a well-formed line (config checks; says what is wrong).
Status check_password_hash(std::string_view hash);
// Constant-time compare of the derived keys; false for a malformed hash.
bool verify_password(std::string_view password, std::string_view hash);

}  // namespace outpost::hub

// HMAC-SHA256, constant-time comparison and random identifiers (OpenSSL 3).
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace outpost {

// Raw 32-byte HMAC-SHA256 of `data` under `key` (OpenSSL EVP_MAC).
std::string hmac_sha256(std::string_view key, std::string_view data);
std::string sha256(std::string_view data);

// Compares without an early exit, so timing does not reveal where two secrets differ.
bool constant_time_equals(std::string_view a, std::string_view b);

// Authenticated encryption for data at rest (AES-256-GCM). `key` is 32 bytes. The output is
// nonce (12) | ciphertext | tag (16); decryption fails (nullopt) on any tampering.
// `associated_data` is authenticated, not stored: unseal succeeds only with the same bytes
// (the daemon binds a module's ciphertext to that module and generation this way).
std::string seal(std::string_view key, std::string_view plaintext, std::string_view associated_data = {});
std::optional<std::string> unseal(std::string_view key, std::string_view sealed, std::string_view associated_data = {});

std::string random_bytes(std::size_t count);
// Lowercase hex of `byte_count` random bytes.
std::string random_hex_id(std::size_t byte_count = 16);
// RFC 4122 version 4 UUID, lowercase: "3b241101-e2bb-4255-8caf-4136c566a962".
std::string random_uuid();
std::string to_hex(std::string_view bytes);

}  // namespace outpost

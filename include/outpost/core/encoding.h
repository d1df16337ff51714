// Byte encodings used on IoT Hub's wire: base64 and URL (percent) encoding.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace outpost {

std::string base64_encode(std::string_view bytes);
// Standard alphabet with padding; whitespace is not accepted. nullopt when malformed.
std::optional<std::string> base64_decode(std::string_view text);

enum class HexCase { lower, upper };

// Percent-encodes everything outside JavaScript's encodeURIComponent set
// (A-Z a-z 0-9 - _ . ! ~ * ' ( )). IoT Hub's docs ask for lowercase hex in SAS
// tokens; the Node SDK writes uppercase in property bags, so both are offered.
std::string url_encode(std::string_view text, HexCase hex = HexCase::lower);
// The same, appended to `out` (hot paths build topics in a kept buffer).
void append_url_encoded(std::string& out, std::string_view text, HexCase hex = HexCase::lower);
// Decodes %xx (either case). '+' stays '+' (IoT Hub bags use %20 for space).
// nullopt on a truncated or non-hex escape.
std::optional<std::string> url_decode(std::string_view text);

bool iequals(std::string_view a, std::string_view b);
std::string to_lower(std::string_view text);

}  // namespace outpost

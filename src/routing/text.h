// Small string helpers for routing: ASCII case folding (edgeHub compares names with
// OrdinalIgnoreCase), code-point counting for the string builtins, and number parsing
// for as_number().
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "outpost/core/message.h"

namespace outpost::routing::detail {

constexpr char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
constexpr char ascii_upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c; }

bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view text, std::string_view prefix);
std::string to_lower_ascii(std::string_view text);
std::string to_upper_ascii(std::string_view text);

// User text quoted in an error message, cut to `max_bytes` (plus "...") so one huge token
// cannot make a huge message.
std::string shorten(std::string_view text, std::size_t max_bytes = 60);

// First property whose name equals `name` ignoring ASCII case (edgeHub's property
// dictionaries are case-insensitive).
const Property* find_property(const PropertyList& properties, std::string_view name);

// Appends a code point as UTF-8; surrogates and values past U+10FFFF become U+FFFD.
void append_utf8(std::string& out, std::uint32_t code_point);

// Strings are UTF-8; the string builtins count code points (lead bytes), so malformed
// input never splits or overruns.
std::size_t code_point_count(std::string_view text);
// Byte offset of the code point with index `index` (text.size() when index >= count).
std::size_t byte_offset_of_code_point(std::string_view text, std::size_t index);

// .NET's double.TryParse(NumberStyles.Any, InvariantCulture), the parts that matter: outer
// whitespace, a sign, digits with optional ',' group separators, a fraction, an exponent,
// and "Infinity"/"NaN" (case-insensitive). NaN parses, but routing treats it as undefined.
std::optional<double> parse_number(std::string_view text);

}  // namespace outpost::routing::detail

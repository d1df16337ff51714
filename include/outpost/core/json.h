// JSON from outside the process (packets, API bodies, stored documents): parsed with a
// depth limit. nlohmann's parser is iterative, but copying, comparing and dumping a value
// recurse once per level, so a 100,000-deep document well under any size limit would
// overflow the stack of whoever touches it next. Everything that parses JSON it did not
// build itself goes through parse_json().
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "outpost/core/result.h"

namespace outpost {

// Deep enough for any real payload (IoT Hub allows 10 levels in twins; method payloads and
// message bodies seen in practice stay far below), shallow enough that every recursive walk
// over an accepted document is safe.
inline constexpr std::size_t kMaxJsonDepth = 128;

// Nesting depth of `text` (arrays and objects; brackets inside strings do not count), stopping
// early once it passes `stop_after`. Linear, no allocation; malformed text still gets a depth.
std::size_t json_nesting_depth(std::string_view text, std::size_t stop_after);

// Parses `text`; the error says "nested deeper than N levels" or "not valid JSON".
Result<nlohmann::json> parse_json(std::string_view text, std::size_t max_depth = kMaxJsonDepth);

// object[key] when it is a whole number, else `fallback` — unlike json::value(), never throws
// when a peer sends, say, "$version":"7".
std::int64_t integer_field(const nlohmann::json& object, std::string_view key, std::int64_t fallback);
// object[key] when it is a string, else `fallback`; never throws on a peer's null or number.
std::string string_field(const nlohmann::json& object, std::string_view key, std::string_view fallback = {});
// object[key] when it is an object, else an empty object: for walking a peer's document
// (`object_field(object_field(inspect, "State"), "Health")`) without a throw on null.
const nlohmann::json& object_field(const nlohmann::json& object, std::string_view key);

// The depth of an already-built value (bounded: stops past `stop_after`), for documents that
// arrive as values, e.g. through a merge.
std::size_t json_value_depth(const nlohmann::json& value, std::size_t stop_after);

}  // namespace outpost

// $body queries: `$body.a.b[0].c`, a small JSONPath subset (edgeHub's JsonPath.g4:
// name ('[' digits ']')? ('.' name ('[' digits ']')?)*), read from the message body.
//
// The body is readable only when, as in edgeHub's Message.GetQueryValue:
//   - contentType equals "application/json" ignoring case (exactly: "application/json;
//     charset=utf-8" is not accepted, as in edgeHub),
//   - contentEncoding is utf-8, utf-16 or utf-32 ignoring case (16/32 little-endian, as
//     .NET's Encoding.Unicode/UTF32),
//   - the text parses as a JSON object.
// Otherwise every $body query is undefined. In a readable body a path that leads nowhere
// is null (edgeHub returns QueryValue.Null), an object or array is undefined, and a number,
// string, bool or null is that value.
#pragma once
#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "outpost/core/message.h"
#include "outpost/core/result.h"
#include "ast.h"
#include "value.h"

namespace outpost::routing::detail {

// Parses the part after "$body.". The error says what is wrong with the path.
Result<std::vector<BodyPathStep>> parse_body_path(std::string_view path);

// The body as a JSON object, or nullopt when $body queries are undefined for this message.
std::optional<nlohmann::json> parse_message_body(const Message& message);

// The value at `path`; strings view into `body`.
Value lookup_body_path(const nlohmann::json& body, const std::vector<BodyPathStep>& path);

}  // namespace outpost::routing::detail

#include "body_query.h"

#include <cstdint>
#include <fmt/format.h>
#include <limits>
#include <string>

#include "outpost/core/json.h"
#include "text.h"

namespace outpost::routing::detail {
namespace {

// JsonPath.g4's ID_CHARS: anything but these (and '.', which separates steps).
bool is_path_name_char(char c) {
  switch (c) {
    case '(': case ')': case '<': case '>': case '@': case ',': case ';': case ':':
    case '\\': case '"': case '/': case '[': case ']': case '?': case '=': case '{':
    case '}': case '.': case '\t': case '\n': case '\r':
      return false;
    default:
      return true;
  }
}

// .NET's Encoding.Unicode: UTF-16 little-endian; bad surrogates become U+FFFD.
std::string utf16le_to_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  auto unit = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) |
           (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8);
  };
  std::size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) {
    std::uint32_t u = unit(i);
    if (u >= 0xD800 && u <= 0xDBFF && i + 3 < bytes.size()) {
      const std::uint32_t low = unit(i + 2);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        append_utf8(out, 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00));
        i += 2;
        continue;
      }
    }
    append_utf8(out, u);  // a lone surrogate becomes U+FFFD
  }
  if (i < bytes.size()) append_utf8(out, 0xFFFD);  // odd trailing byte
  return out;
}

// .NET's Encoding.UTF32: little-endian code points.
std::string utf32le_to_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() / 2);
  std::size_t i = 0;
  for (; i + 3 < bytes.size(); i += 4) {
    std::uint32_t cp = 0;
    for (int b = 3; b >= 0; --b) cp = (cp << 8) | static_cast<unsigned char>(bytes[i + b]);
    append_utf8(out, cp);
  }
  if (i < bytes.size()) append_utf8(out, 0xFFFD);
  return out;
}

const Property* system_property(const Message& m, std::string_view name) {
  return find_property(m.system, name);
}

}  // namespace

Result<std::vector<BodyPathStep>> parse_body_path(std::string_view path) {
  auto fail = [&](std::string_view what) {
    return make_error(fmt::format("invalid $body query '{}': {}", shorten(path), what));
  };
  if (path.empty()) return make_error("a $body query needs a path, e.g. $body.temperature");
  std::vector<BodyPathStep> steps;
  std::size_t i = 0;
  while (true) {
    BodyPathStep step;
    const std::size_t name_start = i;
    while (i < path.size() && is_path_name_char(path[i])) ++i;
    if (i == name_start) return fail("expected a property name");
    step.name = std::string(path.substr(name_start, i - name_start));
    if (i < path.size() && path[i] == '[') {
      ++i;
      const std::size_t digits_start = i;
      std::int64_t index = 0;
      while (i < path.size() && path[i] >= '0' && path[i] <= '9') {
        // Saturate: an index this large is simply out of range.
        if (index < (std::int64_t{1} << 40)) index = index * 10 + (path[i] - '0');
        ++i;
      }
      if (i == digits_start) return fail("expected an array index (digits) after '['");
      if (i >= path.size() || path[i] != ']') return fail("expected ']' after the array index");
      ++i;
      step.index = index;
    }
    steps.push_back(std::move(step));
    if (i == path.size()) break;
    if (path[i] != '.') return fail(fmt::format("unexpected '{}'", path[i]));
    ++i;
  }
  return steps;
}

std::optional<nlohmann::json> parse_message_body(const Message& message) {
  const Property* content_type = system_property(message, sysprop::kContentType);
  if (content_type == nullptr || !content_type->value || !iequals(*content_type->value, "application/json"))
    return std::nullopt;
  const Property* encoding = system_property(message, sysprop::kContentEncoding);
  if (encoding == nullptr || !encoding->value) return std::nullopt;

  std::string transcoded;
  std::string_view text;
  if (iequals(*encoding->value, "utf-8")) {
    text = message.body;
  } else if (iequals(*encoding->value, "utf-16")) {
    transcoded = utf16le_to_utf8(message.body);
    text = transcoded;
  } else if (iequals(*encoding->value, "utf-32")) {
    transcoded = utf32le_to_utf8(message.body);
    text = transcoded;
  } else {
    return std::nullopt;
  }
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // byte order mark

  // Too deep to walk safely: treated as a body that is not JSON ($body queries are undefined).
  if (json_nesting_depth(text, kMaxJsonDepth) > kMaxJsonDepth) return std::nullopt;
  // No exceptions: a body that is not JSON comes back discarded.
  auto parsed = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false,
                                      /*ignore_comments=*/true);
  if (parsed.is_discarded() || !parsed.is_object()) return std::nullopt;
  return parsed;
}

Value lookup_body_path(const nlohmann::json& body, const std::vector<BodyPathStep>& path) {
  const nlohmann::json* at = &body;
  for (const auto& step : path) {
    if (!at->is_object()) return Value::null();
    const auto found = at->find(step.name);
    if (found == at->end()) return Value::null();
    at = &*found;
    if (step.index >= 0) {
      if (!at->is_array() || static_cast<std::uint64_t>(step.index) >= at->size()) return Value::null();
      at = &(*at)[static_cast<std::size_t>(step.index)];
    }
  }
  switch (at->type()) {
    case nlohmann::json::value_t::null: return Value::null();
    case nlohmann::json::value_t::boolean: return Value::of(at->get<bool>());
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float: return Value::of(at->get<double>());
    case nlohmann::json::value_t::string: return Value::of(std::string_view(at->get_ref<const std::string&>()));
    default: return Value::undefined();  // object, array, binary
  }
}

}  // namespace outpost::routing::detail

#include "text.h"

#include <cmath>
#include <cstdlib>
#include <limits>

namespace outpost::routing::detail {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

bool istarts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

std::string to_lower_ascii(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = ascii_lower(c);
  return out;
}

std::string to_upper_ascii(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = ascii_upper(c);
  return out;
}

std::string shorten(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // whole code points
  return std::string(text.substr(0, cut)) + "...";
}

const Property* find_property(const PropertyList& properties, std::string_view name) {
  for (const auto& p : properties)
    if (iequals(p.name, name)) return &p;
  return nullptr;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

namespace {
bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }
}  // namespace

std::size_t code_point_count(std::string_view text) {
  std::size_t n = 0;
  for (char c : text)
    if (!is_continuation(c)) ++n;
  return n;
}

std::size_t byte_offset_of_code_point(std::string_view text, std::size_t index) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (is_continuation(text[i])) continue;
    if (seen == index) return i;
    ++seen;
  }
  return text.size();
}

std::optional<double> parse_number(std::string_view text) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  if (text.empty()) return std::nullopt;

  std::string digits;  // a strtod-ready copy without group separators
  std::size_t i = 0;
  if (text[i] == '+' || text[i] == '-') digits += text[i++];
  const std::string_view rest = text.substr(i);
  if (iequals(rest, "infinity") || iequals(rest, "\xE2\x88\x9E")) {
    const double inf = std::numeric_limits<double>::infinity();
    return digits == "-" ? -inf : inf;
  }
  if (iequals(rest, "nan")) return std::numeric_limits<double>::quiet_NaN();

  bool any_digit = false;
  while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || (text[i] == ',' && any_digit))) {
    if (text[i] != ',') {
      digits += text[i];
      any_digit = true;
    }
    ++i;
  }
  if (i < text.size() && text[i] == '.') {
    digits += text[i++];
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      digits += text[i++];
      any_digit = true;
    }
  }
  if (!any_digit) return std::nullopt;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    digits += text[i++];
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) digits += text[i++];
    bool exponent_digit = false;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      digits += text[i++];
      exponent_digit = true;
    }
    if (!exponent_digit) return std::nullopt;
  }
  if (i != text.size()) return std::nullopt;
  // strtod is locale-dependent only for the decimal point; the C locale is the default.
  return std::strtod(digits.c_str(), nullptr);
}

}  // namespace outpost::routing::detail

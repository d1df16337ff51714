#include "ids.h"

#include <fmt/format.h>

#include "outpost/core/crypto.h"
#include "outpost/core/encoding.h"

namespace outpost::cloud {

namespace {
bool is_id_char(char c, std::string_view extra) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         extra.find(c) != std::string_view::npos;
}

std::string printable(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x20 && u < 0x7f ? fmt::format("'{}'", c) : fmt::format("byte 0x{:02x}", u);
}
}  // namespace

Status validate_identity_id(std::string_view id, std::string_view what) {
  if (id.empty()) return make_error(fmt::format("{} is empty", what));
  if (id.size() > 128) return make_error(fmt::format("{} is longer than 128 characters", what));
  for (const char c : id)
    if (!is_id_char(c, "-.%_*?!(),:=@$'"))
      return make_error(fmt::format("{} '{}' contains {}, which IoT Hub ids may not", what, id, printable(c)));
  return {};
}

Status validate_configuration_id(std::string_view id) {
  if (id.empty()) return make_error("configuration id is empty");
  if (id.size() > 128) return make_error("configuration id is longer than 128 characters");
  for (const char c : id) {
    if (c >= 'A' && c <= 'Z')
      return make_error(fmt::format("configuration id '{}' has an uppercase letter; ids are lowercase", id));
    if (!is_id_char(c, "-:+%_#*?!(),=@;'"))
      return make_error(fmt::format("configuration id '{}' contains {}", id, printable(c)));
  }
  return {};
}

Status validate_symmetric_key(std::string_view key, std::string_view what) {
  const auto raw = base64_decode(key);
  if (!raw) return make_error(fmt::format("{} is not base64", what));
  if (raw->size() < 16 || raw->size() > 64)
    return make_error(fmt::format("{} is {} bytes; keys must be 16 to 64 bytes", what, raw->size()));
  return {};
}

std::string generate_key() { return base64_encode(random_bytes(32)); }

std::string generate_generation_id(const Clock& clock) {
  // Like .NET ticks: 18 digits that grow with time; the low digits are random.
  const auto millis = static_cast<std::uint64_t>(clock.unix_millis());
  const auto bytes = random_bytes(2);
  const auto noise = (static_cast<std::uint8_t>(bytes[0]) * 256u + static_cast<std::uint8_t>(bytes[1])) % 10000u;
  return fmt::format("{:018}", (millis + 62135596800000ULL) * 10000 + noise);
}

std::string generate_etag() {
  const auto bytes = random_bytes(4);
  std::uint32_t n = 0;
  for (const char b : bytes) n = (n << 8) | static_cast<std::uint8_t>(b);
  return base64_encode(std::to_string(n));
}

std::string version_etag(std::int64_t version) {
  std::string bytes(8, '\0');
  auto v = static_cast<std::uint64_t>(version);
  for (int i = 7; i >= 0; --i) {
    bytes[static_cast<std::size_t>(i)] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return base64_encode(bytes);
}

std::string edge_scope(std::string_view device_id, std::string_view generation_id) {
  return fmt::format("{}{}-{}", kEdgeScopePrefix, device_id, generation_id);
}

std::optional<std::string> scope_device_id(std::string_view scope) {
  if (scope.substr(0, kEdgeScopePrefix.size()) != kEdgeScopePrefix) return std::nullopt;
  const auto rest = scope.substr(kEdgeScopePrefix.size());
  const auto dash = rest.rfind('-');
  if (dash == std::string_view::npos || dash == 0) return std::nullopt;
  return std::string(rest.substr(0, dash));
}

std::string unquote_etag(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return std::string(etag);
}

std::string quote_etag(std::string_view etag) { return fmt::format("\"{}\"", etag); }

}  // namespace outpost::cloud

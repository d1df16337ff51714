#include "outpost/core/sas_token.h"

#include <charconv>

#include <fmt/format.h>

#include "outpost/core/crypto.h"
#include "outpost/core/encoding.h"

namespace outpost {
namespace {

constexpr std::string_view kPrefix = "SharedAccessSignature ";

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const auto pos = text.find(sep, start);
    parts.push_back(text.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return parts;
}

SasVerification fail(SasFailure failure, std::string detail) {
  return SasVerification{failure, std::move(detail), false};
}

}  // namespace

Result<SasToken> parse_sas_token(std::string_view token) {
  if (token.substr(0, kPrefix.size()) != kPrefix)
    return make_error("SAS token: does not start with 'SharedAccessSignature '");
  SasToken out;
  bool have_sr = false, have_sig = false, have_se = false;
  for (const auto field : split(token.substr(kPrefix.size()), '&')) {
    const auto eq = field.find('=');
    if (eq == std::string_view::npos)
      return make_error(fmt::format("SAS token: field '{}' has no '='", field.substr(0, 32)));
    const auto key = field.substr(0, eq);
    const auto raw = field.substr(eq + 1);
    auto decoded = url_decode(raw);
    if (!decoded) return make_error(fmt::format("SAS token: bad percent-encoding in '{}'", key));
    if (key == "sr") {
      if (have_sr) return make_error("SAS token: 'sr' given twice");
      out.resource_uri_raw = std::string(raw);
      out.resource_uri = std::move(*decoded);
      have_sr = true;
    } else if (key == "sig") {
      if (have_sig) return make_error("SAS token: 'sig' given twice");
      out.signature = std::move(*decoded);
      have_sig = true;
    } else if (key == "se") {
      if (have_se) return make_error("SAS token: 'se' given twice");
      const auto& s = *decoded;
      const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out.expiry);
      if (ec != std::errc{} || ptr != s.data() + s.size() || s.empty() || out.expiry < 0)
        return make_error("SAS token: 'se' is not a non-negative integer");
      have_se = true;
    } else if (key == "skn") {
      out.key_name = std::move(*decoded);
    } else {
      return make_error(fmt::format("SAS token: unknown field '{}'", key.substr(0, 32)));
    }
  }
  if (!have_sr) return make_error("SAS token: missing 'sr'");
  if (!have_sig) return make_error("SAS token: missing 'sig'");
  if (!have_se) return make_error("SAS token: missing 'se'");
  if (out.signature.empty()) return make_error("SAS token: empty 'sig'");
  return out;
}

std::optional<std::string> sas_signature(std::string_view resource_uri_raw, std::int64_t expiry,
                                         std::string_view key_base64) {
  const auto key = base64_decode(key_base64);
  if (!key) return std::nullopt;
  return base64_encode(hmac_sha256(*key, fmt::format("{}\n{}", resource_uri_raw, expiry)));
}

Result<std::string> build_sas_token(std::string_view resource_uri, std::string_view key_base64,
                                    std::int64_t expiry_unix_seconds,
                                    std::optional<std::string_view> key_name) {
  const std::string sr = url_encode(resource_uri);
  const auto sig = sas_signature(sr, expiry_unix_seconds, key_base64);
  if (!sig) return make_error("SAS token: the shared access key is not valid base64");
  std::string token = fmt::format("SharedAccessSignature sr={}&sig={}&se={}", sr,
                                  url_encode(*sig), expiry_unix_seconds);
  if (key_name) token += fmt::format("&skn={}", url_encode(*key_name));
  return token;
}

KeySigner local_key_signer(std::string key_base64) {
  return [key = base64_decode(key_base64)](std::string_view data) -> Result<std::string> {
    if (!key) return make_error("the shared access key is not valid base64");
    return base64_encode(hmac_sha256(*key, data));
  };
}

Result<std::string> build_sas_token(std::string_view resource_uri, const KeySigner& sign,
                                    std::int64_t expiry_unix_seconds) {
  const std::string sr = url_encode(resource_uri);
  auto sig = sign(fmt::format("{}\n{}", sr, expiry_unix_seconds));
  if (!sig) return make_error("SAS token: " + sig.error());
  return fmt::format("SharedAccessSignature sr={}&sig={}&se={}", sr, url_encode(*sig), expiry_unix_seconds);
}

std::string device_resource_uri(std::string_view host, std::string_view device_id,
                                std::optional<std::string_view> module_id) {
  std::string uri = fmt::format("{}/devices/{}", host, url_encode(device_id));
  if (module_id) uri += fmt::format("/modules/{}", url_encode(*module_id));
  return uri;
}

std::optional<SasResourceIdentity> parse_device_resource_uri(std::string_view decoded_sr) {
  const auto parts = split(decoded_sr, '/');
  if (parts.size() != 3 && parts.size() != 5) return std::nullopt;
  if (parts[0].empty() || !iequals(parts[1], "devices") || parts[2].empty()) return std::nullopt;
  SasResourceIdentity id;
  id.host = std::string(parts[0]);
  auto device = url_decode(parts[2]);  // IDs are encoded twice in `sr`
  if (!device) return std::nullopt;
  id.device_id = std::move(*device);
  if (parts.size() == 5) {
    if (!iequals(parts[3], "modules") || parts[4].empty()) return std::nullopt;
    auto module = url_decode(parts[4]);
    if (!module) return std::nullopt;
    id.module_id = std::move(*module);
  }
  return id;
}

SasVerification verify_sas_token(std::string_view token, const SasKeys& keys,
                                 const SasAudience* audience, std::int64_t now_unix_seconds,
                                 std::chrono::seconds skew) {
  auto parsed = parse_sas_token(token);
  if (!parsed) return fail(SasFailure::malformed, parsed.error());
  return verify_sas_token(*parsed, keys, audience, now_unix_seconds, skew);
}

SasVerification verify_sas_token(const SasToken& token, const SasKeys& keys,
                                 const SasAudience* audience, std::int64_t now_unix_seconds,
                                 std::chrono::seconds skew) {
  if (token.expiry + skew.count() < now_unix_seconds)
    return fail(SasFailure::expired,
                fmt::format("token expired at {} (now {})", token.expiry, now_unix_seconds));
  if (audience != nullptr) {
    const auto id = parse_device_resource_uri(token.resource_uri);
    bool host_ok = false;
    if (id) {
      for (const auto& host : audience->accepted_hosts) host_ok = host_ok || iequals(host, id->host);
    }
    const bool module_ok =
        id && (id->module_id.has_value() == audience->module_id.has_value()) &&
        (!id->module_id || iequals(*id->module_id, *audience->module_id));
    if (!id || !host_ok || !iequals(id->device_id, audience->device_id) || !module_ok)
      return fail(SasFailure::wrong_audience,
                  fmt::format("token audience '{}' is not this identity", token.resource_uri));
  }
  // Sign `sr` exactly as sent: re-encoding it could change the escape case and the bytes.
  for (const auto* key : {&keys.primary, &keys.secondary}) {
    if (key->empty()) continue;
    const auto expected = sas_signature(token.resource_uri_raw, token.expiry, *key);
    if (expected && constant_time_equals(*expected, token.signature)) {
      SasVerification ok;
      ok.used_secondary_key = key == &keys.secondary;
      return ok;
    }
  }
  return fail(SasFailure::bad_signature, "signature does not match the identity's keys");
}

}  // namespace outpost

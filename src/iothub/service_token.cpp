#include "outpost/iothub/service_token.h"

#include <vector>

#include <fmt/format.h>

#include "outpost/core/encoding.h"

namespace outpost::iothub {

namespace {

std::vector<std::string_view> split_path(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const auto slash = text.find('/');
    if (slash != 0) out.push_back(text.substr(0, slash));
    if (slash == std::string_view::npos) break;
    text.remove_prefix(slash + 1);
  }
  return out;
}

}  // namespace

std::optional<std::string> scope_refusal(std::string_view sr, std::string_view hostname, std::string_view resource) {
  const auto scope = split_path(sr);
  if (scope.empty() || !iequals(scope.front(), hostname))
    return fmt::format("the token is for '{}', not for this hub ('{}')", sr, hostname);
  const auto wanted = split_path(resource);
  bool covered = scope.size() - 1 <= wanted.size();
  for (std::size_t i = 1; covered && i < scope.size(); ++i) {
    // Identity tools encode ids once more inside `sr` (as device tokens do): compare decoded.
    const auto decoded = url_decode(scope[i]);
    covered = (decoded ? std::string_view(*decoded) : scope[i]) == wanted[i - 1];
  }
  if (covered) return std::nullopt;
  return fmt::format("the token is scoped to '{}', which does not cover '{}'; use a token for '{}'", sr, resource,
                     hostname);
}

Result<std::string> verify_service_token(const std::optional<std::string>& authorization, std::string_view hostname,
                                         const PolicyKeys& keys_of, std::string_view resource,
                                         std::int64_t now_unix_seconds) {
  if (!authorization || authorization->empty())
    return make_error("missing Authorization header (SharedAccessSignature sr=...&sig=...&se=...&skn=...)");
  const auto token = parse_sas_token(*authorization);
  if (!token) return make_error("Authorization: " + token.error());
  if (!token->key_name) return make_error("the token names no shared access policy (skn)");
  const auto& sr = token->resource_uri;
  const auto host = sr.substr(0, sr.find('/'));
  if (!iequals(host, hostname)) return make_error(fmt::format("the token is for '{}', not for this hub ('{}')", sr, hostname));
  const auto keys = keys_of(*token->key_name);
  if (!keys) return make_error(fmt::format("unknown shared access policy '{}'", *token->key_name));
  const auto verdict = verify_sas_token(*token, *keys, nullptr, now_unix_seconds);
  if (!verdict.ok()) return make_error(fmt::format("policy '{}': {}", *token->key_name, verdict.detail));
  // Scope last: only a genuine token learns what it does not cover.
  if (auto refused = scope_refusal(sr, hostname, resource)) return make_error(*refused);
  return *token->key_name;
}

}  // namespace outpost::iothub

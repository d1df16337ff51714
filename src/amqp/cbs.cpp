#include "cbs.h"

#include <algorithm>
#include <array>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <proton/binary.hpp>
#include <proton/error.hpp>
#include <proton/scalar.hpp>
#include <proton/symbol.hpp>

#include "link_address.h"
#include "message_mapping.h"
#include "outpost/core/encoding.h"

namespace outpost::amqp {
namespace {

constexpr std::size_t kMaxCbsTokenSize = 4096;
constexpr std::array<std::string_view, 2> kCbsTokenTypes{"servicebus.windows.net:sastoken",
                                                         "azure-devices.net:sastoken"};

struct PutTokenFields {
  const proton::scalar* operation = nullptr;
  const proton::scalar* type = nullptr;
  const proton::scalar* name = nullptr;
};

// A string (or symbol) property's text; nullopt for any other type.
std::optional<std::string> cbs_string_of(const proton::scalar& value) {
  if (value.type() == proton::STRING) return proton::get<std::string>(value);
  if (value.type() == proton::SYMBOL) return std::string(proton::get<proton::symbol>(value));
  return std::nullopt;
}

// The property `name` as a string: an error when absent or of another type.
Result<std::string> put_token_string(const proton::scalar* value, std::string_view name) {
  if (!value || value->type() == proton::NULL_TYPE) return make_error(fmt::format("put-token: no '{}'", name));
  auto text = cbs_string_of(*value);
  if (!text)
    return make_error(
        fmt::format("put-token: '{}' is an AMQP {}, not a string", name, proton::type_name(value->type())));
  return std::move(*text);
}

Result<std::string> put_token_body(const proton::message& request) {
  const auto& body = request.body();
  std::string token;
  // rhea sends an AMQP string value; other clients a data section.
  if (body.type() == proton::STRING) {
    token = proton::get<std::string>(body);
  } else if (body.type() == proton::BINARY) {
    const auto bytes = proton::get<proton::binary>(body);
    token.assign(bytes.begin(), bytes.end());
  } else if (body.type() != proton::NULL_TYPE) {
    return make_error(fmt::format("put-token: the token is an AMQP {}, not a string or a data section",
                                  proton::type_name(body.type())));
  }
  if (token.empty()) return make_error("put-token: no token");
  if (token.size() > kMaxCbsTokenSize)
    return make_error(fmt::format("put-token: a token of {} bytes (at most {})", token.size(), kMaxCbsTokenSize));
  return token;
}

Result<PutTokenRequest> parse_put_token_request(const proton::message& request) {
  PutTokenRequest out;
  out.request_id = request.id();
  // Without it the reply cannot be correlated: the client would wait for it in vain.
  if (out.request_id.empty()) return make_error("put-token: no message-id");
  out.reply_to = request.reply_to();
  const auto properties = application_properties_of(request);
  if (!properties) return make_error("put-token: " + properties.error());
  PutTokenFields fields;
  for (const auto& [key, value] : *properties) {
    if (key == "operation") fields.operation = &value;
    else if (key == "type") fields.type = &value;
    else if (key == "name") fields.name = &value;
  }
  const auto operation = put_token_string(fields.operation, "operation");
  if (!operation) return operation.failure();
  if (*operation != "put-token")
    return make_error(fmt::format("put-token: operation '{}' is not supported (only put-token)", *operation));
  const auto type = put_token_string(fields.type, "type");
  if (!type) return type.failure();
  if (std::find(kCbsTokenTypes.begin(), kCbsTokenTypes.end(), *type) == kCbsTokenTypes.end())
    return make_error(fmt::format("put-token: token type '{}' is not supported", *type));
  auto name = put_token_string(fields.name, "name");
  if (!name) return name.failure();
  if (name->empty()) return make_error("put-token: empty 'name' (the audience)");
  out.audience = std::move(*name);
  auto token = put_token_body(request);
  if (!token) return token.failure();
  out.token = std::move(*token);
  return out;
}

// A percent-encoded id (the C# SDK encodes them). The Node SDK does not, and '%' is legal in
// IoT Hub ids: a '%' that starts no escape is taken as it is.
std::string decode_audience_id(std::string_view id) {
  auto decoded = url_decode(id);
  return decoded ? std::move(*decoded) : std::string(id);
}

}  // namespace

Result<PutTokenRequest> parse_put_token(const proton::message& request) {
  // The checks above keep Proton's conversions from throwing; this is the net for what a
  // malformed request might still trip.
  try {
    return parse_put_token_request(request);
  } catch (const proton::error& e) {
    return make_error(fmt::format("put-token: {}", e.what()));
  }
}

proton::message put_token_reply(const proton::message_id& request_id, int status, std::string_view description) {
  proton::message reply;
  // The same AMQP type as the request's id: rhea matches replies on it as an object key.
  reply.correlation_id(request_id);
  reply.properties().put("status-code", proton::scalar(static_cast<std::int32_t>(status)));
  reply.properties().put("status-description", proton::scalar(std::string(description)));
  return reply;
}

Result<Audience> parse_audience(std::string_view audience) {
  const auto fail = [&](std::string_view why) {
    return make_error(fmt::format("audience '{}': {}", audience, why));
  };
  std::string text(audience);
  // The Node SDK sends its token's sr, still URL-encoded as a whole ("hub%2Fdevices%2Fd"):
  // decoded once here, and then its ids are not decoded again.
  const bool whole = text.find('/') == std::string::npos;
  if (whole) {
    auto decoded = url_decode(text);
    if (!decoded) return fail("bad percent-encoding");
    text = std::move(*decoded);
  }
  std::string_view rest = text;
  // "amqps://" (or any scheme) in front: dropped.
  const auto scheme = rest.find("://");
  if (scheme != std::string_view::npos && scheme > 0 && rest.find('/') == scheme + 1) rest.remove_prefix(scheme + 3);
  const auto slash = rest.find('/');
  if (slash == 0) return fail("no host");
  if (slash == std::string_view::npos) return fail("no /devices/{id} after the host");
  Audience out;
  out.host = std::string(rest.substr(0, slash));
  const auto segments = split_segments(rest.substr(slash + 1), '/');
  const bool device = segments.size() == 2;
  const bool module = segments.size() == 4 && segments[2] == "modules";
  if (segments[0] != "devices" || !(device || module))
    return fail("expected {host}/devices/{device}[/modules/{module}]");
  out.identity.device_id = whole ? std::string(segments[1]) : decode_audience_id(segments[1]);
  if (auto problem = id_problem("device id", out.identity.device_id)) return fail(*problem);
  if (module) {
    out.identity.module_id = whole ? std::string(segments[3]) : decode_audience_id(segments[3]);
    if (auto problem = id_problem("module id", *out.identity.module_id)) return fail(*problem);
  }
  return out;
}

}  // namespace outpost::amqp

// Fuzz target: the pure parts of the AMQP library. The first byte (mod 4) picks what the rest
// is: 0 text (a link address, a CBS audience, an ISO 8601 time), 1 a timestamp (8 bytes),
// 2 and 3 an encoded AMQP message (Proton decodes it; what decodes goes through from_amqp and
// CBS parsing). Properties checked: parsed addresses and audiences rebuild to the same
// identity, times read back, and a message that maps reads back the same after to_amqp and
// the wire (order-insensitively: Proton sends application properties in key order).
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <proton/error.hpp>
#include <proton/message.hpp>

#include "cbs.h"
#include "link_address.h"
#include "message_mapping.h"
#include "outpost/core/encoding.h"

namespace {

using namespace outpost;
using namespace outpost::amqp;

constexpr std::int64_t kMinIsoMillis = -62'135'596'800'000;  // 0001-01-01T00:00:00.000Z
constexpr std::int64_t kMaxIsoMillis = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z

std::string identity_path(const iothub::Identity& identity, bool encode) {
  const auto id = [&](const std::string& text) { return encode ? url_encode(text) : text; };
  std::string path = "/devices/" + id(identity.device_id);
  if (identity.module_id) path += "/modules/" + id(*identity.module_id);
  return path;
}

void check_text(std::string_view text) {
  if (auto address = parse_link_address(text)) {
    const char* endpoint = "";
    switch (address->kind) {
      case LinkKind::events: endpoint = "/messages/events"; break;
      case LinkKind::devicebound: endpoint = "/messages/devicebound"; break;
      case LinkKind::methods: endpoint = "/methods/devicebound"; break;
      case LinkKind::twin: endpoint = "/twin"; break;
    }
    const auto again = parse_link_address(identity_path(address->identity, false) + endpoint);
    if (!again || again->identity != address->identity || again->kind != address->kind) std::abort();
  }
  (void)is_cbs_address(text);
  if (auto audience = parse_audience(text)) {
    if (audience->host.empty()) std::abort();
    const auto again = parse_audience(audience->host + identity_path(audience->identity, true));
    if (!again || again->identity != audience->identity) std::abort();
  }
  if (auto millis = millis_from_iso8601(text)) {
    const bool in_range = *millis >= kMinIsoMillis && *millis <= kMaxIsoMillis;
    if (in_range && millis_from_iso8601(iso8601_from_millis(*millis)) != millis) std::abort();
  }
}

void check_timestamp(std::string_view bytes) {
  std::int64_t millis = 0;
  std::memcpy(&millis, bytes.data(), std::min(bytes.size(), sizeof millis));
  const auto text = iso8601_from_millis(millis);
  if (text.size() != 24 || millis_from_iso8601(text) != std::clamp(millis, kMinIsoMillis, kMaxIsoMillis)) std::abort();
}

std::vector<Property> sorted(const PropertyList& list) {
  std::vector<Property> out(list.begin(), list.end());
  std::sort(out.begin(), out.end(), [](const Property& a, const Property& b) { return a.name < b.name; });
  return out;
}

void check_message(std::string_view bytes) {
  proton::message in;
  try {
    in.decode(std::vector<char>(bytes.begin(), bytes.end()));
  } catch (const proton::error&) {
    return;  // not an AMQP message: Proton's business
  }
  // Nothing below may throw: an exception escaping here ends the run.
  (void)id_to_string(in.id());
  (void)id_to_string(in.correlation_id());
  if (auto request = parse_put_token(in)) {
    if (request->audience.empty() || request->token.empty() || request->token.size() > 4096) std::abort();
    (void)parse_audience(request->audience);
    const auto reply = put_token_reply(request->request_id, 200, "OK");
    if (!(reply.correlation_id() == request->request_id)) std::abort();
    (void)reply.encode();
  }
  const auto first = from_amqp(in);
  if (!first) return;
  proton::message out;
  to_amqp(*first, out, "input1");
  proton::message wire;
  wire.decode(out.encode());
  const auto second = from_amqp(wire);
  if (!second || second->body != first->body || sorted(second->system) != sorted(first->system) ||
      sorted(second->application) != sorted(first->application))
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: check_text(rest); break;
    case 1: check_timestamp(rest); break;
    default: check_message(rest); break;
  }
  return 0;
}

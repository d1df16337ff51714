#include "link_address.h"

#include <array>
#include <vector>

#include <fmt/format.h>

namespace outpost::amqp {
namespace {

struct LinkEndpoint {
  std::string_view path;  // after "/devices/{d}[/modules/{m}]/"
  LinkKind kind;
};

constexpr std::array<LinkEndpoint, 4> kLinkEndpoints{{
    {"messages/events", LinkKind::events},
    {"messages/devicebound", LinkKind::devicebound},
    {"methods/devicebound", LinkKind::methods},
    {"twin", LinkKind::twin},
}};

// Drops "{scheme}://{host}" in front of the path (any host: the SDKs put the hub's name
// there). Only a "://" before the first '/' is a scheme; "amqps://host" alone leaves "".
std::string_view strip_scheme_and_host(std::string_view address) {
  const auto scheme = address.find("://");
  if (scheme == std::string_view::npos || scheme == 0 || address.find('/') != scheme + 1) return address;
  const auto path = address.find('/', scheme + 3);
  return path == std::string_view::npos ? std::string_view{} : address.substr(path);
}

}  // namespace

const char* link_kind_name(LinkKind kind) {
  switch (kind) {
    case LinkKind::events: return "events";
    case LinkKind::devicebound: return "devicebound";
    case LinkKind::methods: return "methods";
    case LinkKind::twin: return "twin";
  }
  return "unknown";
}

std::vector<std::string_view> split_segments(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const auto end = text.find(separator, start);
    if (end == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

std::optional<std::string> id_problem(std::string_view what, std::string_view id) {
  if (id.empty()) return fmt::format("empty {}", what);
  for (const char c : id) {
    const auto byte = static_cast<unsigned char>(c);
    // Control characters are not echoed: the error ends up in logs.
    if (byte < 0x20 || byte == 0x7f) return fmt::format("{} contains a control character", what);
    // '/' would shift the topic levels the id becomes part of; '#' and '+' are MQTT wildcards.
    if (c == '/' || c == '#' || c == '+') return fmt::format("{} '{}' contains '{}'", what, id, c);
  }
  return std::nullopt;
}

Result<LinkAddress> parse_link_address(std::string_view address) {
  const auto fail = [&](std::string_view why) {
    return make_error(fmt::format("link address '{}': {}", address, why));
  };
  const auto path = strip_scheme_and_host(address);
  constexpr std::string_view kPrefix = "/devices/";
  if (!path.starts_with(kPrefix)) return fail("not under /devices/");
  const auto segments = split_segments(path.substr(kPrefix.size()), '/');
  // segments: {d} [modules {m}] endpoint... ; "modules" is a module only when an endpoint follows.
  LinkAddress out;
  out.identity.device_id = std::string(segments[0]);
  std::size_t next = 1;
  if (segments.size() >= 4 && segments[1] == "modules") {
    out.identity.module_id = std::string(segments[2]);
    next = 3;
  }
  if (auto problem = id_problem("device id", out.identity.device_id)) return fail(*problem);
  if (out.identity.module_id)
    if (auto problem = id_problem("module id", *out.identity.module_id)) return fail(*problem);
  if (next >= segments.size()) return fail("no endpoint after the identity");
  // The endpoint is the rest of the path, compared whole: extra segments or a trailing '/' fail.
  const auto endpoint = path.substr(static_cast<std::size_t>(segments[next].data() - path.data()));
  for (const auto& e : kLinkEndpoints) {
    if (endpoint == e.path) {
      out.kind = e.kind;
      return out;
    }
  }
  return fail(fmt::format("unknown endpoint '{}'", endpoint));
}

bool is_cbs_address(std::string_view address) {
  const auto path = strip_scheme_and_host(address);
  return path == "$cbs" || path == "/$cbs";
}

}  // namespace outpost::amqp

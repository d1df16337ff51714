// The link addresses of IoT Hub's device-facing AMQP endpoint (hub-protocol.md §5): which
// identity a link belongs to and what it carries. Shared by the edge hub and the cloud.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "outpost/core/result.h"
#include "outpost/iothub/identity.h"

namespace outpost::amqp {

enum class LinkKind {
  events,       // /messages/events: telemetry and outputs (client sends); module inputs (client receives)
  devicebound,  // /messages/devicebound: cloud-to-device messages (client receives)
  methods,      // /methods/devicebound: requests to the client, its responses back
  twin,         // /twin: twin requests and their replies, desired-property patches
};
const char* link_kind_name(LinkKind kind);

struct LinkAddress {
  iothub::Identity identity;
  LinkKind kind = LinkKind::events;
};

// "/devices/{d}[/modules/{m}]/{messages/events|messages/devicebound|methods/devicebound|twin}",
// optionally after "amqps://{host}" (any host; the SDKs put the hub's name there). Ids are
// taken as they are (the SDKs do not encode them) and must be non-empty and free of '/', '#',
// '+' and control characters. The error names what is wrong with the address.
Result<LinkAddress> parse_link_address(std::string_view address);

// What is wrong with `id` as a device or module id (`what`: "device id", "module id"), or
// nullopt when nothing is: empty, or holding '/', '#', '+' or a control character. CBS
// audiences are checked the same way once decoded.
std::optional<std::string> id_problem(std::string_view what, std::string_view id);

// `text` cut at every `separator`, empty pieces kept ("a//b" -> "a", "", "b").
std::vector<std::string_view> split_segments(std::string_view text, char separator);

// The claims-based security node: "$cbs" (with or without the host prefix).
bool is_cbs_address(std::string_view address);

}  // namespace outpost::amqp

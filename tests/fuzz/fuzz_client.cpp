// Fuzz target: what the SDK parses from outside — topics the hub publishes to it (inputs,
// C2D, method requests, twin responses), connection strings and workload URIs from its
// environment. Nothing may crash; a topic the SDK accepts as a message must survive being
// sent again (re-encoded as an output event) and parsed back with the same properties.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "credentials.h"
#include "message_codec.h"
#include "outpost/client/client_error.h"
#include "outpost/workload_client/workload_client.h"

using namespace outpost::client;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  detail::parse_method_request(input);
  detail::parse_twin_response(input);
  (void)outpost::workload::parse_workload_uri(input);
  try {
    detail::credentials_from_connection_string(input, ClientOptions{}, true);
  } catch (const ClientError&) {
    // refused, with words: fine
  }
  auto inbound = detail::parse_inbound_message(input, "body");
  if (!inbound || inbound->kind != detail::InboundMessage::Kind::input) return 0;
  // As an output event: the same topic shape the hub turns into an input again.
  const auto topic = detail::telemetry_topic("d", "m", inbound->message, "out");
  const auto bag = std::string_view(topic).substr(std::string_view("devices/d/modules/m/messages/events/").size());
  auto again = detail::parse_inbound_message("devices/d/modules/m/inputs/in/" + std::string(bag), "body");
  if (!again) std::abort();
  if (again->message.messageId != inbound->message.messageId || again->message.properties != inbound->message.properties)
    std::abort();
  return 0;
}

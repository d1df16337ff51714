// Fuzz target: IoT Hub topic classification, subscription filters and MQTT user names —
// everything the hub parses from a client before authentication — and what the service
// APIs parse from a caller: method request bodies, C2D headers, token scopes, REST paths.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "outpost/iothub/c2d_headers.h"
#include "outpost/iothub_methods/method_requests.h"
#include "outpost/iothub/service_paths.h"
#include "outpost/iothub/service_token.h"
#include "outpost/iothub/subscription_rules.h"
#include "outpost/iothub/topics.h"
#include "outpost/iothub/username.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  if (auto topic = outpost::iothub::parse_publish_topic(input)) {
    if (auto* t = std::get_if<outpost::iothub::TelemetryTopic>(&*topic)) {
      if (t->sender.device_id.empty()) std::abort();
      if (t->bag.size() > input.size()) std::abort();
    }
  }
  const auto filter = outpost::iothub::parse_subscription_filter(input);
  if ((filter.kind == outpost::iothub::SubscriptionKind::c2d ||
       filter.kind == outpost::iothub::SubscriptionKind::module_inputs) && !filter.identity)
    std::abort();
  if (auto user = outpost::iothub::parse_mqtt_username(input)) {
    if (user->identity.device_id.empty() || user->api_version.empty()) std::abort();
  }
  (void)outpost::iothub::query_parameter(input, "$rid");

  using namespace outpost::iothub;
  const auto granted = authorize_subscriptions({"d", std::nullopt}, {{input, 1}});
  if (granted.return_codes.size() != 1) std::abort();
  MethodRequest call;
  if (!parse_method_request(input, call) && (call.method.empty() || call.payload_json.size() > kMaxMethodPayloadSize))
    std::abort();
  C2dRequest c2d;
  if (!c2d_request_from_http({{"iothub-expiry", input}, {"iothub-app-" + input, input}}, input, c2d) &&
      !c2d.expiry_ms)
    std::abort();
  // The input as a token's sr and as a request path (split on '/').
  std::vector<std::string> parts;
  for (std::size_t start = 0; start <= input.size();) {
    const auto slash = input.find('/', start);
    parts.push_back(input.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    start = slash == std::string::npos ? input.size() + 1 : slash + 1;
  }
  const auto resource = service_resource(parts);
  (void)parse_twins_path(parts);
  if (scope_refusal("hub", "hub", resource)) std::abort();  // the hub's own name covers everything
  (void)scope_refusal(input, "hub", "devices/d1/modules/m");
  return 0;
}

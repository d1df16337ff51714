// Which topics are IoT Hub's and which are plain MQTT (issue 14): `devices/…` and `$iothub/…`
// keep IoT Hub's meaning; every other topic name or filter is a plain MQTT topic, served with
// MQTT 3.1.1 semantics by the PlainBroker.
#pragma once
#include <string_view>

#include "outpost/mqtt_codec/topic.h"

namespace outpost::hub {

inline bool is_iothub_topic(std::string_view topic_or_filter) {
  return topic_or_filter.starts_with("devices/") || topic_or_filter.starts_with("$iothub/");
}

inline bool is_plain_topic(std::string_view topic_or_filter) { return !is_iothub_topic(topic_or_filter); }

// The filter a subscription matches topics with: for a shared one, $share/{group}/{filter},
// its filter (which decides whether it is IoT Hub's or plain, and what a policy allows).
// A malformed shared subscription is returned whole: the plain broker refuses it.
inline std::string_view subscribed_filter(std::string_view filter) {
  if (!mqtt::is_shared_filter(filter)) return filter;
  const auto parts = mqtt::parse_shared_filter(filter);
  return parts ? parts->filter : filter;
}

}  // namespace outpost::hub

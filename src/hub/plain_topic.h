// Which topics are IoT Hub's and which are plain MQTT (issue 14): `devices/…` and `$iothub/…`
// keep IoT Hub's meaning; every other topic name or filter is a plain MQTT topic, served with
// MQTT 3.1.1 semantics by the PlainBroker.
#pragma once
#include <string_view>

namespace outpost::hub {

inline bool is_iothub_topic(std::string_view topic_or_filter) {
  return topic_or_filter.starts_with("devices/") || topic_or_filter.starts_with("$iothub/");
}

inline bool is_plain_topic(std::string_view topic_or_filter) { return !is_iothub_topic(topic_or_filter); }

}  // namespace outpost::hub

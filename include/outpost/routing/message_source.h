// FROM semantics: where a message comes from, and whether a route's FROM path covers it.
//
// A message's source path (edgeHub's RoutingMessageConverter):
//   a plain MQTT topic t (system mqtt-topic)   -> /topics/{t}   (Outpost's; see below)
//   messageType == "twinChangeNotification"   -> /twinChangeNotifications
//   connectionModuleId m and outputName o     -> /messages/modules/{m}/outputs/{o}
//   connectionModuleId m, no outputName       -> /messages/modules/{m}
//   otherwise (a leaf device)                 -> /messages
//
// A FROM path is turned into a prefix: strip trailing '*', then trailing '/', append one '/'.
// A message matches when its source path plus '/' starts with that prefix, ignoring ASCII
// case. So `/*` matches everything (twin changes too), `/messages/*` all telemetry,
// `/messages/modules/A/*` every output of A, and `/messages/modules*` all module traffic.
// A plain topic's message matches only a FROM path that starts with /topics: routes written
// for IoT Hub traffic (`FROM /*`) keep taking exactly what they took before plain topics.
#pragma once
#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "outpost/core/message.h"

namespace outpost::routing {

// A message's source path as a few string pieces that point into the message, so routing a
// message does not build (allocate) the path.
class MessageSource {
 public:
  explicit MessageSource(const Message& message);

  std::string path() const;  // e.g. "/messages/modules/A/outputs/o1"
  bool is_telemetry() const { return telemetry_; }
  bool is_plain_topic() const { return plain_topic_; }

  // Case-insensitive: does path() + "/" start with `lowercase_prefix`?
  bool starts_with(std::string_view lowercase_prefix) const;

 private:
  std::array<std::string_view, 4> parts_{};
  std::size_t count_ = 0;
  bool telemetry_ = true;
  bool plain_topic_ = false;
};

// The compiled form of a FROM path.
class SourceFilter {
 public:
  explicit SourceFilter(std::string_view from_path);

  bool matches(const MessageSource& source) const {
    return (!source.is_plain_topic() || takes_topics()) && source.starts_with(prefix_);
  }
  // Whether the path starts with /topics (plain MQTT topics).
  bool takes_topics() const { return prefix_.rfind("/topics/", 0) == 0; }
  bool matches(const Message& message) const { return matches(MessageSource(message)); }
  bool matches_everything() const { return prefix_ == "/"; }
  // The normalised, lower-cased prefix, e.g. "/messages/modules/a/".
  const std::string& prefix() const { return prefix_; }

 private:
  std::string prefix_;
};

}  // namespace outpost::routing

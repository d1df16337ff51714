#include "outpost/routing/message_source.h"

#include "text.h"

namespace outpost::routing {
namespace {

// A system property's value; empty when absent or null (edgeHub requires non-blank ids).
std::string_view system_value(const Message& m, std::string_view name) {
  const Property* p = m.system.find(name);
  return (p != nullptr && p->value) ? std::string_view(*p->value) : std::string_view();
}

}  // namespace

MessageSource::MessageSource(const Message& message) {
  if (const std::string_view topic = system_value(message, sysprop::kMqttTopic); !topic.empty()) {
    parts_[count_++] = "/topics/";
    parts_[count_++] = topic;
    plain_topic_ = true;
    return;
  }
  if (detail::iequals(system_value(message, sysprop::kMessageType), "twinChangeNotification")) {
    parts_[count_++] = "/twinChangeNotifications";
    telemetry_ = false;
    return;
  }
  const std::string_view module = system_value(message, sysprop::kConnectionModuleId);
  if (module.empty()) {
    parts_[count_++] = "/messages";
    return;
  }
  parts_[count_++] = "/messages/modules/";
  parts_[count_++] = module;
  const std::string_view output = system_value(message, sysprop::kOutputName);
  if (!output.empty()) {
    parts_[count_++] = "/outputs/";
    parts_[count_++] = output;
  }
}

std::string MessageSource::path() const {
  std::string out;
  for (std::size_t i = 0; i < count_; ++i) out += parts_[i];
  return out;
}

bool MessageSource::starts_with(std::string_view prefix) const {
  std::size_t matched = 0;
  // Walk the parts, then the one trailing '/', comparing against the prefix as we go.
  for (std::size_t i = 0; i <= count_ && matched < prefix.size(); ++i) {
    const std::string_view part = i < count_ ? parts_[i] : std::string_view("/");
    const std::size_t n = std::min(part.size(), prefix.size() - matched);
    for (std::size_t k = 0; k < n; ++k)
      if (detail::ascii_lower(part[k]) != prefix[matched + k]) return false;
    matched += n;
  }
  return matched == prefix.size();
}

SourceFilter::SourceFilter(std::string_view from_path) {
  // edgeHub's CustomMessageSource + BaseMessageSource: trim, drop trailing '*' then
  // trailing '/', add exactly one '/'.
  while (!from_path.empty() && from_path.front() == ' ') from_path.remove_prefix(1);
  while (!from_path.empty() && from_path.back() == ' ') from_path.remove_suffix(1);
  while (!from_path.empty() && from_path.back() == '*') from_path.remove_suffix(1);
  while (!from_path.empty() && from_path.back() == '/') from_path.remove_suffix(1);
  prefix_ = detail::to_lower_ascii(from_path);
  prefix_ += '/';
}

}  // namespace outpost::routing

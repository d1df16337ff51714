#include "outpost/core/property_bag.h"

#include <array>

#include <fmt/format.h>

#include "outpost/core/encoding.h"

namespace outpost {
namespace {

struct BagKey {
  std::string_view bag;
  std::string_view internal;
};

// edgeHub SystemProperties.cs; $.cdid/$.cmid are written by the hub on delivery only.
constexpr std::array<BagKey, 16> kBagKeys{{
    {"$.mid", sysprop::kMessageId},
    {"$.cid", sysprop::kCorrelationId},
    {"$.uid", sysprop::kUserId},
    {"$.to", sysprop::kTo},
    {"$.ct", sysprop::kContentType},
    {"$.ce", sysprop::kContentEncoding},
    {"$.exp", sysprop::kExpiryTime},
    {"$.ctime", sysprop::kCreationTime},
    {"$.schema", sysprop::kMessageSchema},
    {"$.on", sysprop::kOutputName},
    {"$.ifid", sysprop::kInterfaceId},
    {"$.sub", sysprop::kComponent},
    {"iothub-operation", sysprop::kOperation},
    {"ack", sysprop::kAck},
    {"$.cdid", sysprop::kConnectionDeviceId},
    {"$.cmid", sysprop::kConnectionModuleId},
}};

}  // namespace

std::optional<std::string_view> bag_key_for_system_property(std::string_view internal_name) {
  for (const auto& k : kBagKeys)
    if (k.internal == internal_name) return k.bag;
  return std::nullopt;
}

std::optional<std::string_view> system_property_for_bag_key(std::string_view bag_key) {
  for (const auto& k : kBagKeys)
    if (k.bag == bag_key) return k.internal;
  return std::nullopt;
}

Status decode_property_bag(std::string_view bag, Message& message) {
  const auto slash = bag.find('/');
  if (slash != std::string_view::npos) bag = bag.substr(0, slash);
  std::size_t offset = 0;
  if (!bag.empty() && bag.front() == '?') offset = 1;
  while (offset < bag.size()) {
    auto end = bag.find('&', offset);
    if (end == std::string_view::npos) end = bag.size();
    const auto item = bag.substr(offset, end - offset);
    const std::size_t item_offset = offset;
    offset = end + 1;
    if (item.empty()) continue;
    const auto eq = item.find('=');
    const auto raw_key = item.substr(0, eq);
    auto key = url_decode(raw_key);
    if (!key)
      return make_error(fmt::format("property bag: bad percent-encoding in key at offset {}",
                                    item_offset));
    if (key->empty())
      return make_error(fmt::format("property bag: empty key at offset {}", item_offset));
    std::optional<std::string> value;
    if (eq != std::string_view::npos) {
      value = url_decode(item.substr(eq + 1));
      if (!value)
        return make_error(fmt::format("property bag: bad percent-encoding in the value of '{}'",
                                      *key));
    }
    if (const auto internal = system_property_for_bag_key(*key))
      message.system.set(std::string(*internal), std::move(value));
    else
      message.application.set(std::move(*key), std::move(value));
  }
  return {};
}

std::string encode_property_bag(const Message& message,
                                std::initializer_list<std::string_view> skip_system) {
  std::string out;
  append_property_bag(out, message, skip_system);
  return out;
}

void append_property_bag(std::string& out, const Message& message,
                         std::initializer_list<std::string_view> skip_system) {
  const auto start = out.size();
  const auto add = [&](std::string_view key, const std::optional<std::string>& value) {
    if (out.size() > start) out += '&';
    append_url_encoded(out, key, HexCase::upper);
    if (value) {
      out += '=';
      append_url_encoded(out, *value, HexCase::upper);
    }
  };
  for (const auto& p : message.system) {
    bool skip = false;
    for (const auto name : skip_system) skip = skip || name == p.name;
    if (skip) continue;
    if (const auto key = bag_key_for_system_property(p.name)) add(*key, p.value);
  }
  for (const auto& p : message.application) add(p.name, p.value);
}

}  // namespace outpost

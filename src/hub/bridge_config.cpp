#include "bridge_config.h"

#include <fmt/format.h>

#include "outpost/core/config.h"
#include "outpost/core/file_io.h"
#include "outpost/mqtt_codec/topic.h"

namespace outpost::hub {
namespace {

// The part of `topic` after `prefix` when it starts with it and that part matches `filter`.
std::optional<std::string_view> strip_and_match(std::string_view topic, const std::string& prefix,
                                                const std::string& filter) {
  if (topic.substr(0, prefix.size()) != prefix) return std::nullopt;
  const auto rest = topic.substr(prefix.size());
  if (filter.empty() ? !rest.empty() : !mqtt::topic_matches(filter, rest)) return std::nullopt;
  return rest;
}

BridgeSetting read_setting(const ConfigNode& s) {
  s.expect_only({"direction", "topic", "inPrefix", "outPrefix"});
  auto setting = routing::make_bridge_setting(s.string("direction"), s.string_or("topic", ""),
                                              s.string_or("inPrefix", ""), s.string_or("outPrefix", ""));
  if (!setting) s.fail(setting.error());
  return *setting;
}

}  // namespace

std::optional<std::string> BridgeConfig::remote_topic(std::string_view local_topic) const {
  for (const auto& s : settings) {
    if (!s.out) continue;
    if (const auto rest = strip_and_match(local_topic, s.in_prefix, s.topic)) return s.out_prefix + std::string(*rest);
  }
  return std::nullopt;
}

std::optional<std::string> BridgeConfig::local_topic(std::string_view remote_topic) const {
  for (const auto& s : settings) {
    if (!s.in) continue;
    if (const auto rest = strip_and_match(remote_topic, s.out_prefix, s.topic)) return s.in_prefix + std::string(*rest);
  }
  return std::nullopt;
}

std::vector<BridgeConfig> read_bridge_configs(const ConfigNode& root, const ConfigNode& bridges,
                                              const std::string& device_id) {
  std::vector<BridgeConfig> out;
  if (!bridges.defined()) return out;
  const auto items = bridges.items();
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto& b = items[i];
    b.attempt([&] {
      b.expect_only({"endpoint", "client_id", "username", "password_file", "ca", "settings"});
      BridgeConfig c;
      c.endpoint = b.string("endpoint");
      // Reported, not thrown: the settings below are still checked.
      if (auto uri = routing::bridge_server_uri(c.endpoint); !uri) b.child("endpoint").report(uri.error());
      else c.server_uri = *uri;
      if (c.upstream())
        for (const char* own : {"client_id", "username", "password_file", "ca"})
          if (b.child(own).defined())
            b.child(own).report("a $upstream bridge uses the hub's own link to its parent: no login of its own");
      c.client_id = b.string_or("client_id", fmt::format("{}-bridge-{}", device_id, i));
      c.username = b.optional_string("username");
      if (const auto file = b.optional_string("password_file")) {
        auto text = read_whole_file(resolve_config_path(root.file(), *file), 4096);
        if (!text) b.child("password_file").fail(text.error());
        c.password = *text;
        while (!c.password->empty() && (c.password->back() == '\n' || c.password->back() == '\r')) c.password->pop_back();
      }
      if (const auto ca = b.optional_string("ca")) c.ca_file = resolve_config_path(root.file(), *ca);
      for (const auto& s : b.child("settings").items()) s.attempt([&] { c.settings.push_back(read_setting(s)); });
      if (c.settings.empty()) b.child("settings").fail("a bridge needs at least one setting");
      out.push_back(std::move(c));
    });
  }
  return out;
}

BridgeConfig bridge_from_twin(const routing::BridgeSpec& spec, const std::string& device_id, std::size_t index) {
  BridgeConfig c;
  c.endpoint = spec.endpoint;
  c.server_uri = routing::bridge_server_uri(spec.endpoint).value_or("");
  c.client_id = fmt::format("{}-bridge-{}", device_id, index);
  c.settings = spec.settings;
  c.from_twin = true;
  return c;
}

}  // namespace outpost::hub

#include "outpost/service/listeners.h"

#include <gtest/gtest.h>

namespace outpost::service {
namespace {

TEST(Listeners, RecordsEachBoundPortAndSkipsUnsetAddresses) {
  Listeners listeners("hub", "hub.yaml");
  int started = 0;
  const auto start = [&](std::uint16_t port) {
    return [&started, port](const std::string&) -> Result<std::uint16_t> {
      ++started;
      return port;
    };
  };
  listeners.add("mqtt", std::string("127.0.0.1:0"), start(41883));
  listeners.add("https", std::nullopt, start(443));
  EXPECT_EQ(started, 1) << "an unset address starts nothing";
  EXPECT_EQ(listeners.ports(), nlohmann::json({{"mqtt", 41883}}));
}

TEST(Listeners, AListenerThatCannotStartIsAConfigErrorNamingItsKey) {
  Listeners listeners("cloud", "/etc/outpost/cloud.yaml");
  try {
    listeners.add("mqtts", std::string("127.0.0.1:8883"),
                  [](const std::string&) -> Result<std::uint16_t> { return make_error("address in use"); });
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "/etc/outpost/cloud.yaml: listen.mqtts: address in use");
  }
}

}  // namespace
}  // namespace outpost::service

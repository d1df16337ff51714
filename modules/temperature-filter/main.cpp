// temperature-filter: the module of IoT Edge's "develop a C# module" tutorial, written with
// Outpost's C++ SDK. Readings arriving on input "input1" (the simulated sensor's shape) whose
// machine temperature is above TemperatureThreshold go on to output "output1", marked with the
// application property MessageType: Alert; the others are dropped (and counted).
//   desired TemperatureThreshold (default 25), reported back as applied; env TemperatureThreshold
//   sets the value before the twin is read.
#include <cstdlib>
#include <iostream>

#include <nlohmann/json.hpp>
#include <outpost/client/outpost_client.h>

#include "filter.h"
#include "module_lifetime.h"

namespace {

using outpost::client::ClientError;
using outpost::client::Message;
using outpost::client::ModuleClient;
using nlohmann::json;

}  // namespace

int main() {
  sample::ModuleLifetime lifetime("filter");
  try {
    filter::Filter filter;
    if (const char* text = std::getenv("TemperatureThreshold")) filter.apply_desired(json{{"TemperatureThreshold", std::atof(text)}});
    auto client = ModuleClient::fromEnvironment();
    const auto apply_desired = [&](const json& desired) {
      if (!filter.apply_desired(desired)) return;
      client.updateReportedProperties(json{{"TemperatureThreshold", filter.threshold()}}.dump());
      std::cout << "filter: TemperatureThreshold " << filter.threshold() << std::endl;
    };
    client.onDesiredPropertiesUpdate([&](const std::string& patch) { apply_desired(json::parse(patch, nullptr, false)); });
    client.onInputMessage("input1", [&](const Message& message) {
      auto alert = filter.alert_for(message);
      if (!alert) return;
      try {
        client.sendOutputEvent("output1", *alert);
      } catch (const ClientError& e) {
        std::cerr << "filter: an alert was not forwarded: " << e.what() << std::endl;
      }
    });
    if (!lifetime.open(client)) return 0;
    const auto twin = json::parse(client.getTwin(), nullptr, false);
    if (twin.is_object() && twin.contains("desired")) apply_desired(twin["desired"]);
    client.updateReportedProperties(json{{"TemperatureThreshold", filter.threshold()}}.dump());
    std::cout << "filter: forwarding readings above " << filter.threshold() << " °C from input1 to output1" << std::endl;
    lifetime.wait_until_stopped();
    std::cout << "filter: " << filter.forwarded() << " alerts forwarded, " << filter.dropped() << " readings below the threshold"
              << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "filter: " << e.what() << std::endl;
    return 1;
  }
}

// simulated-temperature-sensor: IoT Edge's well-known SimulatedTemperatureSensor, written with
// Outpost's C++ SDK. Every SendInterval it sends a reading on output "temperatureOutput":
//   {"machine":{"temperature":21.3,"pressure":1.02},"ambient":{"temperature":20.8,"humidity":25},
//    "timeCreated":"2026-12-04T10:00:00.000Z"}
// The machine heats up from 21 °C towards 100 °C and wanders there; `reset` (a direct method,
// or {"command":"reset"} on input "control") cools it down again.
//   env MessageCount   readings to send, then stay idle (default 500; 0 or less: no end)
//   env SendInterval   seconds between readings (default 5; also "hh:mm:ss")
//   env SendData       false: send nothing until the twin says true
//   desired SendInterval, SendData: the same, changed at run time (reported back)
#include <iostream>
#include <mutex>
#include <random>
#include <string>

#include <nlohmann/json.hpp>
#include <outpost/client/outpost_client.h>

#include "module_lifetime.h"
#include "sensor_settings.h"
#include "simulation.h"

namespace {

using outpost::client::ClientError;
using outpost::client::Message;
using outpost::client::MethodResult;
using outpost::client::ModuleClient;
using nlohmann::json;

}  // namespace

int main() {
  sample::ModuleLifetime lifetime("sensor");
  try {
    auto settings = sensor::settings_from_environment();
    std::mutex settings_mutex;
    sensor::Simulation simulation(std::random_device{}());
    auto client = ModuleClient::fromEnvironment();

    const auto apply_desired = [&](const json& desired) {
      std::lock_guard lock(settings_mutex);
      if (!sensor::apply_desired(settings, desired)) return;
      client.updateReportedProperties(json{{"SendInterval", settings.send_interval.count()}, {"SendData", settings.send_data}}.dump());
      std::cout << "sensor: SendInterval " << settings.send_interval.count() << " s, SendData "
                << (settings.send_data ? "true" : "false") << std::endl;
      lifetime.notify();
    };
    client.onDesiredPropertiesUpdate([&](const std::string& patch) { apply_desired(json::parse(patch, nullptr, false)); });
    client.onMethod("reset", [&](const std::string&) {
      simulation.reset();
      std::cout << "sensor: reset by a direct method" << std::endl;
      return MethodResult{200, R"({"message":"reset"})"};
    });
    client.onInputMessage("control", [&](const Message& message) {
      const auto command = json::parse(message.body, nullptr, false);
      if (command.is_object() && command.value("command", "") == "reset") {
        simulation.reset();
        std::cout << "sensor: reset by a control message" << std::endl;
      }
    });
    if (!lifetime.open(client)) return 0;
    const auto twin = json::parse(client.getTwin(), nullptr, false);
    if (twin.is_object() && twin.contains("desired")) apply_desired(twin["desired"]);

    std::cout << "sensor: sending " << (settings.message_count > 0 ? std::to_string(settings.message_count) : "endless")
              << " readings on temperatureOutput" << std::endl;
    long long sent = 0;
    while (!lifetime.stopping() && (settings.message_count <= 0 || sent < settings.message_count)) {
      sensor::Settings now;
      {
        std::lock_guard lock(settings_mutex);
        now = settings;
      }
      if (now.send_data) {
        Message message(simulation.next_reading().dump());
        message.contentType = "application/json";
        message.contentEncoding = "utf-8";
        message.setProperty("sequenceNumber", std::to_string(++sent));
        try {
          client.sendOutputEvent("temperatureOutput", message);
        } catch (const ClientError& e) {
          std::cerr << "sensor: reading " << sent << " not sent: " << e.what() << std::endl;
        }
      }
      lifetime.wait_for(now.send_interval);
    }
    if (!lifetime.stopping()) std::cout << "sensor: done sending " << sent << " readings" << std::endl;
    lifetime.wait_until_stopped();  // a module stays up until it is stopped
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "sensor: " << e.what() << std::endl;
    return 1;
  }
}

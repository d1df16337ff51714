// Routing micro-benchmark: how many messages per second a realistic route table (5 routes,
// one reading $body) can route on one core. Each message is matched against the whole
// table, as the hub does on its hot path.
//
//   build/bin/outpost-route-bench [iterations]     (default 2,000,000 messages)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "outpost/routing/route_table.h"

namespace {

using outpost::Message;
namespace sysprop = outpost::sysprop;
using namespace outpost::routing;

Message sensor_output(double temperature) {
  Message m;
  m.system.set(std::string(sysprop::kMessageId), "3f1c2b4a-9e77-4f5e-8d2a-0c6b7e1f2a90");
  m.system.set(std::string(sysprop::kConnectionDeviceId), "edge-gateway-01");
  m.system.set(std::string(sysprop::kConnectionModuleId), "sensor");
  m.system.set(std::string(sysprop::kOutputName), "telemetry");
  m.system.set(std::string(sysprop::kContentType), "application/json");
  m.system.set(std::string(sysprop::kContentEncoding), "utf-8");
  m.application.set("messageType", "telemetry");
  m.application.set("sequence", "1042");
  m.body = "{\"machine\":{\"id\":\"press-17\",\"status\":\"running\",\"pressure\":10.4},"
           "\"ambient\":{\"humidity\":41},\"temperature\":" + std::to_string(temperature) +
           ",\"timeCreated\":\"2024-05-01T10:00:00.000Z\"}";
  return m;
}

Message filter_output() {
  Message m;
  m.system.set(std::string(sysprop::kConnectionDeviceId), "edge-gateway-01");
  m.system.set(std::string(sysprop::kConnectionModuleId), "filter");
  m.system.set(std::string(sysprop::kOutputName), "output1");
  m.system.set(std::string(sysprop::kContentType), "application/json");
  m.system.set(std::string(sysprop::kContentEncoding), "utf-8");
  m.application.set("level", "4");
  m.body = "{\"alert\":true}";
  return m;
}

Message leaf_telemetry() {
  Message m;
  m.system.set(std::string(sysprop::kConnectionDeviceId), "line-7-plc");
  m.system.set(std::string(sysprop::kMessageId), "msg-0001");
  m.application.set("messageType", "telemetry");
  m.body = "temperature=21.5";
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  const long iterations = argc > 1 ? std::atol(argv[1]) : 2'000'000;
  auto table = RouteTable::compile({
      {"telemetryToCloud", "FROM /messages/modules/sensor/outputs/telemetry INTO $upstream", 1, 0},
      {"hotToAlerter",
       R"(FROM /messages/modules/sensor/outputs/* WHERE $body.temperature > 80 INTO BrokeredEndpoint("/modules/alerter/inputs/hot"))",
       0, 86400},
      {"leafToFilter",
       R"(FROM /messages/* WHERE NOT IS_DEFINED($connectionModuleId) INTO BrokeredEndpoint("/modules/filter/inputs/leaf"))"},
      {"filteredToCloud",
       "FROM /messages/modules/filter/outputs/output1 WHERE as_number(level) >= 3 AND "
       "$contentType = 'application/json' INTO $upstream"},
      {"audit",
       R"(FROM /messages/* WHERE starts_with($connectionDeviceId, 'line-') OR messageType = 'audit' INTO BrokeredEndpoint("/modules/audit/inputs/in"))"},
  });
  if (!table) {
    std::fprintf(stderr, "route table: %s\n", table.error().c_str());
    return 1;
  }
  // A mix: half sensor outputs (every other one hot), a quarter filter outputs, a quarter leaf.
  const std::vector<Message> messages = {sensor_output(72.5), filter_output(), sensor_output(91.0), leaf_telemetry()};

  std::vector<RouteMatch> matches;
  std::size_t matched = 0;
  for (long i = 0; i < iterations / 10; ++i) {  // warm up
    table->match(messages[static_cast<std::size_t>(i) % messages.size()], matches);
    matched += matches.size();
  }
  matched = 0;
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < iterations; ++i) {
    table->match(messages[static_cast<std::size_t>(i) % messages.size()], matches);
    matched += matches.size();
  }
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  const double per_second = static_cast<double>(iterations) / elapsed.count();
  std::printf("route table: %zu routes, %zu endpoints; %ld messages in %.3f s\n", table->size(),
              table->endpoints().size(), iterations, elapsed.count());
  std::printf("routing: %.0f messages/s (%.0f ns per message, %.2f matches per message)\n", per_second,
              1e9 / per_second, static_cast<double>(matched) / static_cast<double>(iterations));
  std::printf("route evaluations: %.0f /s (5 routes per message)\n", per_second * 5);
  return 0;
}

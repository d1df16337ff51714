// Routing micro-benchmark: how many messages per second a realistic route table (5 routes,
// one reading $body) can route on one core. Each message is matched against the whole
// table, as the hub does on its hot path.
//
//   build/bin/outpost-route-bench [iterations]     (default 2,000,000 messages)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "outpost/routing/route_table.h"

// Counts heap allocations, to show which messages route without any.
static long g_allocations = 0;
void* operator new(std::size_t size) {
  ++g_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

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

struct Run {
  double messages_per_second;
  double matches_per_message;
  double allocations_per_message;
};

Run run(const RouteTable& table, const std::vector<Message>& messages, long iterations) {
  std::vector<RouteMatch> matches;
  for (long i = 0; i < iterations / 10 + 1; ++i)  // warm up (and size `matches`)
    table.match(messages[static_cast<std::size_t>(i) % messages.size()], matches);
  std::size_t matched = 0;
  const long allocations_before = g_allocations;
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < iterations; ++i) {
    table.match(messages[static_cast<std::size_t>(i) % messages.size()], matches);
    matched += matches.size();
  }
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  const double n = static_cast<double>(iterations);
  return {n / elapsed.count(), static_cast<double>(matched) / n,
          static_cast<double>(g_allocations - allocations_before) / n};
}

void report(const char* what, const Run& r) {
  std::printf("%-34s %10.0f messages/s  %6.0f ns/message  %.2f matches/message  %.2f allocations/message\n", what,
              r.messages_per_second, 1e9 / r.messages_per_second, r.matches_per_message, r.allocations_per_message);
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

  std::printf("route table: %zu routes (one reads $body), %zu endpoints; %ld messages per run\n", table->size(),
              table->endpoints().size(), iterations);
  const Run mixed = run(*table, messages, iterations);
  report("mixed traffic:", mixed);
  report("  without a body parse:", run(*table, {filter_output(), leaf_telemetry()}, iterations));
  report("  with a body parse:", run(*table, {sensor_output(72.5), sensor_output(91.0)}, iterations));
  std::printf("route evaluations (mixed, 5 routes per message): %.0f /s\n", mixed.messages_per_second * 5);
  return 0;
}

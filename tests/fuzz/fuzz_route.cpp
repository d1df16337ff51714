// Fuzz target: route compilation and evaluation. Any input either fails with an error
// value or compiles; a compiled route is evaluated against a few messages (a JSON body, a
// module output with properties, an empty message). Nothing may crash or throw.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "outpost/routing/route.h"
#include "outpost/routing/route_table.h"

namespace {

std::vector<outpost::Message> sample_messages() {
  using namespace outpost;
  Message json;
  json.system.set(std::string(sysprop::kConnectionDeviceId), "edge1");
  json.system.set(std::string(sysprop::kConnectionModuleId), "sensor");
  json.system.set(std::string(sysprop::kOutputName), "out1");
  json.system.set(std::string(sysprop::kContentType), "application/json");
  json.system.set(std::string(sysprop::kContentEncoding), "utf-8");
  json.application.set("temp", "35");
  json.application.set("$body.a", "shadow");
  json.application.set("nothing", std::nullopt);
  json.body = R"({"a": {"b": [1, "two", null, true, {"c": 3.5}]}, "s": "text", "n": -0.0, "big": 1e308})";

  Message leaf;
  leaf.system.set(std::string(sysprop::kConnectionDeviceId), "leaf");
  leaf.system.set(std::string(sysprop::kMessageId), "m1");
  leaf.system.set(std::string(sysprop::kContentType), "application/json");
  leaf.system.set(std::string(sysprop::kContentEncoding), "utf-16");
  leaf.application.set("name", "\xC3\xA9t\xC3\xA9");
  leaf.body = std::string("{\0\"\0a\0\"\0:\0" "1\0}\0", 14);  // {"a":1} in UTF-16LE

  Message twin;
  twin.system.set(std::string(sysprop::kMessageType), "twinChangeNotification");
  return {json, leaf, twin, Message{}};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<outpost::Message> messages = sample_messages();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto syntax = outpost::routing::check_route_syntax("fuzz", text);
  auto route = outpost::routing::compile_route("fuzz", text);
  if (!route) {
    if (route.error().empty()) std::abort();  // errors always say something
    return 0;
  }
  if (!syntax) std::abort();  // what compiles must also pass the syntax check
  for (const auto& m : messages) {
    (void)route->evaluate(m);
    (void)route->matches(m);
  }
  // Through a table too, next to a route that reads the body.
  auto table = outpost::routing::RouteTable::compile(
      {{"fuzz", std::string(text), 1, 0}, {"body", "FROM /* WHERE $body.a.b[1] = 'two' INTO $upstream", 0, 0}});
  if (!table) std::abort();
  std::vector<outpost::routing::RouteMatch> out;
  for (const auto& m : messages) table->match(m, out);
  return 0;
}

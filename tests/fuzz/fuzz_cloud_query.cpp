// Fuzz target: the IoT Hub query language (queries and bare targetConditions). Any input
// either fails with an error value or parses; parsed ones are evaluated and run over a few
// twin documents. Nothing may crash, throw or recurse without bound.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "outpost/cloud_query/query.h"

namespace {

const std::vector<nlohmann::json>& documents() {
  static const std::vector<nlohmann::json> docs{
      nlohmann::json::parse(R"({"deviceId":"d1","moduleId":"$edgeAgent","status":"enabled",
        "capabilities":{"iotEdge":true},"tags":{"env":"prod","n":3,"list":[1,"a",true],"o":{"p":{"q":null}}},
        "properties":{"desired":{"$version":2,"x":1.5},"reported":{"ok":true,"s":"text"}}})"),
      nlohmann::json::parse(R"({"deviceId":"d2","tags":{},"properties":{"desired":{},"reported":{}}})"),
      nlohmann::json::object()};
  return docs;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace outpost::cloud::query;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto q = parse_query(input)) {
    const auto rows = run(*q, documents());
    if (q->select_all && rows.size() > documents().size()) std::abort();
  }
  if (auto c = parse_condition(input)) {
    for (const auto& doc : documents()) {
      const auto t = c->get() ? evaluate(**c, doc) : Truth::true_;
      if (t != Truth::true_ && t != Truth::false_ && t != Truth::undefined) std::abort();
    }
  }
  return 0;
}

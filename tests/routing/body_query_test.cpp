// $body queries: when the body is readable (content type and encoding), path semantics,
// value kinds, and robustness against bodies that are not JSON objects.
#include <gtest/gtest.h>

#include <string>

#include "body_query.h"
#include "evaluation_context.h"
#include "routing_test_util.h"

namespace outpost::routing {
namespace {

using testing::MessageBuilder;
using testing::F;
using testing::T;
using testing::U;
using testing::operator<<;

// edgeHub's BodyQueryTest message.
constexpr const char* kWeather = R"({
  "message": {
    "Weather": {
      "Temperature": 50, "FreezingTemperature": -50.4, "PreciseTemperature": 50.4,
      "NullValue": null, "Time": "2017-03-09T00:00:00.000Z", "PrevTemperatures": [20, 30, 40],
      "IsEnabled": true, "IsDisabled": false,
      "Location": {"Street": "One Microsoft Way", "City": "Redmond", "State": "WA"},
      "HistoricalData": [{"Month": "Feb", "Temperature": 40}, {"Month": "Jan", "Temperature": 30}]
    }
  }
})";

Message weather(std::string content_type = "application/json", std::string encoding = "utf-8") {
  return MessageBuilder()
      .app("City", "Redmond")
      .app("$State", "WA")
      .body(kWeather)
      .sys(sysprop::kContentType, std::move(content_type))
      .sys(sysprop::kContentEncoding, std::move(encoding));
}

TEST(BodyQuery, EdgeHubBodyQueryTestCases) {
  const Message m = weather();
  for (const char* c : {
           "50 >= $body.message.Weather.Temperature",
           "$BODY.message.Weather.Temperature >= 50",
           "$body.message.Weather.Temperature = 40 + 10",
           "$body.message.Weather.Temperature >= $body.message.Weather.PrevTemperatures[0] + "
           "$body.message.Weather.PrevTemperatures[1]",
           "$body.message.Weather.PrevTemperatures[1] / $body.message.Weather.PrevTemperatures[0] = 1.5",
           "$body.message.Weather.HistoricalData[0].Temperature - 10 = $body.message.Weather.HistoricalData[1].Temperature",
           "$body.message.Weather.HistoricalData[0].Month = 'Feb'",
           "$body.message.Weather.Location.City = City",
           "$body.message.Weather.Location.State = $State",
           "$body.message.Weather.IsDisabled <> true",
           "$body.message.Weather.InvalidKey <> '100'",
           "$body.message.Weather.IsDisabled OR NOT($body.message.Weather.IsDisabled)",
           "$body.message.Weather.NullValue = null",
           "$body.message.Weather.InvalidProperty = null",
           "NOT ($body.message.Weather.InvalidProperty != null)",
           "abs($body.message.Weather.FreezingTemperature) = 50.4",
           "ceiling(as_number($body.message.Weather.PreciseTemperature)) = 51",
           "concat($body.message.Weather.Location.Street, ', ', $body.message.Weather.Location.City, ', ', "
           "$body.message.Weather.Location.State) = 'One Microsoft Way, Redmond, WA'",
           "exp(($body.message.Weather.Temperature - 49)) < ($body.message.Weather.Temperature - 47)",
           "power($body.message.Weather.Temperature, length($body.message.Weather.Location.State)) = "
           "square($body.message.Weather.Temperature)",
           "substring($body.message.Weather.Location.Street, 4, length('Microsoft')) = 'Microsoft'",
       }) {
    EXPECT_EQ(testing::eval(c, m), T) << c;
  }
  EXPECT_EQ(testing::eval("$body.message.Weather.Temperature = '50'", m), F);  // no implicit conversion
  EXPECT_EQ(testing::eval("$body.message.Weather.Location.State = City", m), F);
  EXPECT_EQ(testing::eval("$body.message.Weather <> null", m), U);  // an object
  EXPECT_EQ(testing::eval("$City <> $body.message.Weather.InvalidKey", m), U);
  // A path through a value is null; as a whole condition, null is not true.
  EXPECT_EQ(testing::eval("$body.message.Weather.HistoricalData[0].Temperature.InvalidKey", m), U);
  EXPECT_EQ(testing::eval("$body.message.Weather.HistoricalData[0].Temperature.InvalidKey = null", m), T);
}

TEST(BodyQuery, ContentTypeMustBeExactlyApplicationJson) {
  EXPECT_EQ(testing::eval("$body.message.Weather.Temperature = 50", weather("APPLICATION/JSON")), T);
  // As edgeHub (and unlike IoT Hub's documentation), parameters are not accepted.
  EXPECT_EQ(testing::eval("$body.message.Weather.Temperature = 50", weather("application/json;charset=utf-8")), U);
  EXPECT_EQ(testing::eval("$body.message.Weather.Temperature = 50", weather("text/json")), U);
  Message no_type = weather();
  no_type.system.erase(sysprop::kContentType);
  EXPECT_EQ(testing::eval("$body.message.Weather.Temperature = 50", no_type), U);
}

TEST(BodyQuery, ContentEncodingMustBeUtf8Utf16OrUtf32) {
  EXPECT_EQ(testing::eval("$body.message.Weather.Temperature = 50", weather("application/json", "UTF-8")), T);
  EXPECT_EQ(testing::eval("$body.message.Weather.Temperature = 50", weather("application/json", "ascii")), U);
  EXPECT_EQ(testing::eval("$body.message.Weather.Temperature = 50", weather("application/json", "utf8")), U);
  Message no_encoding = weather();
  no_encoding.system.erase(sysprop::kContentEncoding);
  EXPECT_EQ(testing::eval("$body.message.Weather.Temperature = 50", no_encoding), U);
}

std::string utf16le(std::string_view ascii_or_bmp_utf8) {
  // Test helper for ASCII plus one 'é' (U+00E9) and one emoji (U+1F600, a surrogate pair).
  std::string out;
  for (std::size_t i = 0; i < ascii_or_bmp_utf8.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(ascii_or_bmp_utf8[i]);
    if (c == 0xC3) {
      out += '\xE9';
      out += '\0';
      ++i;
    } else if (c == 0xF0) {
      out += std::string("\x3D\xD8\x00\xDE", 4);
      i += 3;
    } else {
      out += static_cast<char>(c);
      out += '\0';
    }
  }
  return out;
}

TEST(BodyQuery, Utf16AndUtf32Bodies) {
  const std::string json = "{\"name\": \"caf\xC3\xA9 \xF0\x9F\x98\x80\", \"n\": 7}";
  Message m16 = MessageBuilder().json(utf16le(json), "utf-16");
  EXPECT_EQ(testing::eval("$body.name = 'caf\\u00e9 \\ud83d\\ude00' AND $body.n = 7", m16), T);

  std::string utf32;
  for (char c : std::string("{\"n\": 7}")) utf32 += std::string{c, '\0', '\0', '\0'};
  EXPECT_EQ(testing::eval("$body.n = 7", MessageBuilder().json(utf32, "utf-32")), T);
  // Truncated or garbage encodings never crash; the JSON then fails to parse or not.
  EXPECT_EQ(testing::eval("$body.n = 7", MessageBuilder().json(utf32.substr(0, utf32.size() - 1), "utf-32")), U);
  EXPECT_EQ(testing::eval("$body.n = 7", MessageBuilder().json("\x01\xD8\x02", "utf-16")), U);
}

TEST(BodyQuery, BodiesThatAreNotJsonObjectsAreUndefined) {
  for (const char* body : {"", "not json", "[1, 2]", "42", "\"text\"", "null", "{\"a\": ", "{\"a\": 1}}",
                           "{\"a\": \"\xFF\"}"}) {
    EXPECT_EQ(testing::eval("$body.a = 1", MessageBuilder().json(body)), U) << body;
    EXPECT_EQ(testing::eval("is_defined($body.a)", MessageBuilder().json(body)), F) << body;
  }
  // A byte order mark and comments are tolerated, as by Newtonsoft's JObject.Parse.
  EXPECT_EQ(testing::eval("$body.a = 1", MessageBuilder().json("\xEF\xBB\xBF{\"a\": /* one */ 1}")), T);
}

TEST(BodyQuery, DeepBodiesDoNotCrash) {
  const std::string deep = "{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  EXPECT_EQ(testing::eval("$body.a = 1", MessageBuilder().json(deep)), U);
  // The limit is the hub's kMaxJsonDepth (128 levels, the outer object counts as one).
  const auto nested = [](int levels) {
    return "{\"a\":1,\"b\":" + std::string(levels - 1, '[') + std::string(levels - 1, ']') + "}";
  };
  EXPECT_EQ(testing::eval("$body.a = 1", MessageBuilder().json(nested(128))), T);
  EXPECT_EQ(testing::eval("$body.a = 1", MessageBuilder().json(nested(129))), U);
}

TEST(BodyQuery, ValueKinds) {
  const Message m = MessageBuilder().json(
      R"({"i": 3, "u": 18446744073709551615, "f": 2.5, "s": "x", "b": false, "n": null, "o": {}, "a": [], "e": ""})");
  EXPECT_EQ(testing::eval("$body.i = 3 AND is_number($body.i)", m), T);
  EXPECT_EQ(testing::eval("$body.u > 1e19", m), T);
  EXPECT_EQ(testing::eval("$body.f = 2.5", m), T);
  EXPECT_EQ(testing::eval("is_string($body.s) AND is_string($body.e) AND length($body.e) = 0", m), T);
  EXPECT_EQ(testing::eval("is_bool($body.b) AND NOT $body.b", m), T);
  EXPECT_EQ(testing::eval("is_null($body.n) AND is_null($body.missing)", m), T);
  EXPECT_EQ(testing::eval("is_defined($body.o) OR is_defined($body.a)", m), F);
  EXPECT_EQ(testing::eval("$body.a[0] = null", m), T);  // out of range: nothing there
  EXPECT_EQ(testing::eval("$body.s[0] = null", m), T);  // not an array
  EXPECT_EQ(testing::eval("$body.i.x = null", m), T);   // not an object
}

TEST(BodyQuery, PropertyNamesAreCaseSensitive) {
  const Message m = MessageBuilder().json(R"({"Temp": 1})");
  EXPECT_EQ(testing::eval("$body.Temp = 1", m), T);
  EXPECT_EQ(testing::eval("$body.temp = null", m), T);
}

TEST(BodyQuery, BodyIsParsedAtMostOncePerContext) {
  const Message m = MessageBuilder().json(R"({"a": 1})");
  detail::EvaluationContext context(m);
  const nlohmann::json* first = context.body();
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(context.body(), first);
  const Message text = MessageBuilder().body("x");
  detail::EvaluationContext unusable(text);
  EXPECT_EQ(unusable.body(), nullptr);
  EXPECT_EQ(unusable.body(), nullptr);
}

TEST(BodyQuery, PathParsing) {
  auto path = detail::parse_body_path("a.b[12].c");
  ASSERT_TRUE(path) << path.error();
  ASSERT_EQ(path->size(), 3u);
  EXPECT_EQ((*path)[1].name, "b");
  EXPECT_EQ((*path)[1].index, 12);
  EXPECT_EQ((*path)[2].index, -1);
  for (const char* bad : {"", "a.", ".a", "a[", "a[x]", "a[1", "a[1]b", "a[1][2]", "a]"})
    EXPECT_FALSE(detail::parse_body_path(bad)) << bad;
  // Huge indexes are simply out of range.
  auto huge = detail::parse_body_path("a[99999999999999999999999]");
  ASSERT_TRUE(huge);
  EXPECT_EQ(testing::eval("$body.a[99999999999999999999999] = null", MessageBuilder().json(R"({"a": [1]})")), T);
}

}  // namespace
}  // namespace outpost::routing

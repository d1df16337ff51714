#include "outpost/core/json.h"

#include <gtest/gtest.h>

#include <string>

namespace outpost {
namespace {

std::string nested_arrays(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

std::string nested_objects(std::size_t depth) {
  std::string text;
  for (std::size_t i = 0; i < depth; ++i) text += "{\"a\":";
  text += "1";
  text += std::string(depth, '}');
  return text;
}

TEST(ParseJson, AcceptsDocumentsUpToTheLimit) {
  auto parsed = parse_json(nested_arrays(kMaxJsonDepth));
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(json_value_depth(*parsed, 1000), kMaxJsonDepth);
  EXPECT_TRUE(parse_json(nested_objects(kMaxJsonDepth)));
}

TEST(ParseJson, RefusesOneLevelTooDeepNamingTheLimit) {
  for (const auto& text : {nested_arrays(kMaxJsonDepth + 1), nested_objects(kMaxJsonDepth + 1)}) {
    auto parsed = parse_json(text);
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error(), "JSON nested deeper than 128 levels");
  }
}

TEST(ParseJson, RefusesAHundredThousandLevelsWithoutTouchingTheStack) {
  EXPECT_FALSE(parse_json(nested_arrays(100000)));
  EXPECT_FALSE(parse_json(nested_objects(100000)));
  EXPECT_FALSE(parse_json(std::string(100000, '[')));  // unterminated as well
}

TEST(ParseJson, BracketsInsideStringsDoNotCount) {
  const std::string text = "{\"k\":\"" + std::string(500, '[') + "\\\"" + std::string(500, '{') + "\"}";
  auto parsed = parse_json(text, 2);
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ((*parsed)["k"].get<std::string>().size(), 1001u);
}

TEST(ParseJson, MalformedTextIsNotValidJson) {
  for (const char* text : {"", "{", "{\"a\":}", "[1,]", "nul", "\"unterminated"}) {
    auto parsed = parse_json(text);
    ASSERT_FALSE(parsed) << text;
    EXPECT_EQ(parsed.error(), "not valid JSON") << text;
  }
}

TEST(JsonValueDepth, CountsLevelsAndStopsEarly) {
  EXPECT_EQ(json_value_depth(nlohmann::json(3), 10), 0u);
  EXPECT_EQ(json_value_depth(nlohmann::json::parse(R"({"a":[{"b":{}}]})"), 10), 4u);
  // Built iteratively here: a deep value that a recursive walk would overflow on.
  nlohmann::json deep = nlohmann::json::array();
  for (int i = 0; i < 100000; ++i) deep = nlohmann::json::array({std::move(deep)});
  EXPECT_EQ(json_value_depth(deep, 50), 51u);
}

}  // namespace
}  // namespace outpost

#include "outpost/mqtt_codec/topic.h"

#include <gtest/gtest.h>

namespace outpost::mqtt {
namespace {

TEST(Topic, MatchesWildcardsAsMqtt311Says) {
  EXPECT_TRUE(topic_matches("devices/d/modules/m/#", "devices/d/modules/m/inputs/in1/%24.cdid=e"));
  EXPECT_TRUE(topic_matches("a/#", "a"));
  EXPECT_TRUE(topic_matches("a/+/c", "a/b/c"));
  EXPECT_TRUE(topic_matches("a/+", "a/"));
  EXPECT_TRUE(topic_matches("+/+", "/x"));
  EXPECT_TRUE(topic_matches("#", "a/b/c"));
  EXPECT_TRUE(topic_matches("$iothub/twin/res/#", "$iothub/twin/res/200/?$rid=1"));
  EXPECT_FALSE(topic_matches("a/+/c", "a/b/d"));
  EXPECT_FALSE(topic_matches("a/+", "a/b/c"));
  EXPECT_FALSE(topic_matches("a/b", "a"));
  EXPECT_FALSE(topic_matches("a", "a/b"));
  // A filter ending in an empty level (found by fuzz_plain_mqtt against the subscription trie).
  EXPECT_TRUE(topic_matches("a/", "a/"));
  EXPECT_TRUE(topic_matches("+/", "a/"));
  EXPECT_FALSE(topic_matches("a/", "a//"));
  EXPECT_FALSE(topic_matches("a/", "a/b"));
  EXPECT_FALSE(topic_matches("a/", "a"));
  EXPECT_FALSE(topic_matches("#", "$iothub/twin/res/200"));
  EXPECT_FALSE(topic_matches("+/twin", "$iothub/twin"));
}

TEST(Topic, ValidatesNamesAndFilters) {
  EXPECT_TRUE(validate_topic_name("devices/d/messages/events/"));
  EXPECT_FALSE(validate_topic_name("a/+"));
  EXPECT_FALSE(validate_topic_name(""));
  EXPECT_TRUE(validate_topic_filter("a/+/#"));
  EXPECT_TRUE(validate_topic_filter("+"));
  EXPECT_EQ(validate_topic_filter("a/b#").error(), "'#' must be the whole last level of a topic filter");
  EXPECT_EQ(validate_topic_filter("a+/b").error(), "'+' must be a whole level of a topic filter");
  EXPECT_FALSE(validate_topic_filter("a/#/b"));
}

TEST(Utf8, RejectsIllFormedSequences) {
  EXPECT_TRUE(is_valid_utf8("plain \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_FALSE(is_valid_utf8(std::string("a\0b", 3)));  // U+0000
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));              // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));          // surrogate
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));              // truncated
  EXPECT_FALSE(is_valid_utf8("\xFF"));
}

TEST(Topic, AFilterCoversAnotherOnlyWhenItMatchesEveryTopicTheOtherDoes) {
  EXPECT_TRUE(filter_covers("a/#", "a/+/b"));
  EXPECT_TRUE(filter_covers("a/#", "a/#"));
  EXPECT_TRUE(filter_covers("a/#", "a"));
  EXPECT_TRUE(filter_covers("#", "a/b/c"));
  EXPECT_TRUE(filter_covers("a/+", "a/b"));
  EXPECT_TRUE(filter_covers("a/+", "a/+"));
  EXPECT_TRUE(filter_covers("a/b", "a/b"));
  EXPECT_FALSE(filter_covers("a/+", "a/#"));  // "a/#" also takes "a/b/c"
  EXPECT_FALSE(filter_covers("a/b", "a/+"));
  EXPECT_FALSE(filter_covers("a/b", "a"));
  EXPECT_FALSE(filter_covers("a", "a/b"));
  EXPECT_FALSE(filter_covers("a/+/c", "a/b"));
  EXPECT_FALSE(filter_covers("#", "$SYS/x"));  // a leading wildcard does not match '$' topics
  EXPECT_TRUE(filter_covers("$SYS/#", "$SYS/x/+"));
}

TEST(Topic, FiltersOverlapWhenSomeTopicMatchesBoth) {
  EXPECT_TRUE(filters_overlap("a/+", "+/b"));
  EXPECT_TRUE(filters_overlap("a/#", "a"));
  EXPECT_TRUE(filters_overlap("a", "a/#"));
  EXPECT_TRUE(filters_overlap("a/secret", "a/#"));
  EXPECT_TRUE(filters_overlap("#", "x/y"));
  EXPECT_FALSE(filters_overlap("a/+", "a/b/c"));
  EXPECT_FALSE(filters_overlap("a/b", "a/c"));
  EXPECT_FALSE(filters_overlap("a", "a/b"));
  EXPECT_FALSE(filters_overlap("#", "$SYS/x"));
  EXPECT_FALSE(filters_overlap("+/x", "$SYS/x"));
  EXPECT_TRUE(filters_overlap("$SYS/+", "$SYS/x"));
}

}  // namespace
}  // namespace outpost::mqtt

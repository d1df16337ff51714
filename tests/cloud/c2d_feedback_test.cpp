// C2D feedback: recorded only when asked for, taken in batches, gone only once done, bounded.
#include "c2d_feedback.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace outpost::cloud {
namespace {

TEST(C2dFeedback, RecordsOnlyWhatAskedForPositiveFeedback) {
  CloudMetrics metrics("hub.test");
  C2dFeedback feedback(metrics);
  int added = 0;
  feedback.on_added = [&] { ++added; };
  feedback.completed("d1", "m-none", std::nullopt);
  feedback.completed("d1", "m-negative", std::string("negative"));
  feedback.completed("d1", "m-full", std::string("full"));
  feedback.completed("d2", "m-positive", std::string("positive"));
  EXPECT_EQ(added, 2);
  const auto batch = feedback.next();
  ASSERT_TRUE(batch);
  const auto records = nlohmann::json::parse(batch->body);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["originalMessageId"], "m-full");
  EXPECT_EQ(records[0]["deviceId"], "d1");
  EXPECT_EQ(records[0]["statusCode"], "Success");
  EXPECT_EQ(records[1]["originalMessageId"], "m-positive");
}

TEST(C2dFeedback, ABatchStaysUntilDoneAndLaterRecordsWait) {
  CloudMetrics metrics("hub.test");
  C2dFeedback feedback(metrics);
  feedback.completed("d", "a", std::string("full"));
  const auto first = feedback.next();
  ASSERT_TRUE(first);
  feedback.completed("d", "b", std::string("full"));
  EXPECT_EQ(nlohmann::json::parse(feedback.next()->body).size(), 2u);  // not taken yet: offered again
  feedback.done(first->id);
  const auto rest = nlohmann::json::parse(feedback.next()->body);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0]["originalMessageId"], "b");
  feedback.done(feedback.next()->id);
  EXPECT_FALSE(feedback.next());
}

TEST(C2dFeedback, KeepsTheNewestWhenFull) {
  CloudMetrics metrics("hub.test");
  C2dFeedback feedback(metrics, SystemClock::instance(), 3);
  for (const char* id : {"1", "2", "3", "4", "5"}) feedback.completed("d", id, std::string("full"));
  const auto records = nlohmann::json::parse(feedback.next()->body);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0]["originalMessageId"], "3");
  EXPECT_EQ(records[2]["originalMessageId"], "5");
}

}  // namespace
}  // namespace outpost::cloud

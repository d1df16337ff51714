// Persistent plain MQTT sessions in state.db (src/hub/plain_session_table.cpp): what is saved
// comes back after reopening (with an MQTT 5 session's expiry interval), damaged rows are named
// and dropped, and store queue names map to slots only when the hub could have written them.
#include "plain_session_table.h"

#include <gtest/gtest.h>

#include "hub/hub_test_util.h"
#include "plain_broker.h"

namespace outpost::hub {
namespace {

TEST(PlainSessionTableTest, SessionsSurviveReopeningTheDatabaseAndDamagedOnesAreDropped) {
  testing::TempDir dir;
  {
    auto kv = testing::open_test_kv(dir.path() / "state.db");
    PlainSessionTable table(*kv);
    PlainSession s;
    s.client_id = "logger";
    s.owner = plain_session_owner(true, "sensor", "");
    s.slot = 7;
    s.filters = {{"plant/#", {.qos = 1}},
                 {"alarm/+", {.qos = 2}},
                 {"$share/loggers/log/#", {.qos = 1, .retain_as_published = true, .subscription_id = 268'435'455}},
                 {"echo/+", {.qos = 0, .no_local = true, .subscription_id = 7}}};
    ASSERT_TRUE(table.save(s));
    ASSERT_TRUE(kv->put("plain_sessions", "broken", R"({"owner":"anonymous","slot":-1,"filters":{}})"));
    ASSERT_TRUE(kv->put("plain_sessions", "deep", std::string(100000, '[')));
  }
  auto kv = testing::open_test_kv(dir.path() / "state.db");
  PlainSessionTable table(*kv);
  const auto sessions = table.load_all();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0].client_id, "logger");
  EXPECT_EQ(sessions[0].owner, "user:sensor");
  EXPECT_EQ(sessions[0].slot, 7u);
  EXPECT_EQ(sessions[0].filters,
            (std::map<std::string, PlainFilter>{
                {"$share/loggers/log/#", {.qos = 1, .retain_as_published = true, .subscription_id = 268'435'455}},
                {"alarm/+", {.qos = 2}},
                {"echo/+", {.qos = 0, .no_local = true, .subscription_id = 7}},
                {"plant/#", {.qos = 1}}}))
      << "MQTT 5 options and identifiers come back with the QoS";
  EXPECT_EQ(table.load_all().size(), 1u);
  EXPECT_FALSE(*kv->get("plain_sessions", "broken")) << "a damaged row is dropped, not read again each start";
  table.erase("logger");
  EXPECT_TRUE(table.load_all().empty());
}

TEST(PlainSessionTableTest, ParsingNamesWhatIsWrong) {
  EXPECT_NE(parse_stored_plain_session("c", "[]").error().find("not a JSON object"), std::string::npos);
  EXPECT_NE(parse_stored_plain_session("c", R"({"slot":1,"filters":{}})").error().find("owner"), std::string::npos);
  const auto bad_qos = parse_stored_plain_session("c", R"({"owner":"anonymous","slot":1,"filters":{"a":3}})");
  ASSERT_FALSE(bad_qos);
  EXPECT_NE(bad_qos.error().find("'a': bad QoS"), std::string::npos) << bad_qos.error();
  // Bits 4-7 are unused and an identifier past 268,435,455 cannot exist: refused, not guessed.
  for (const char* bad : {R"({"owner":"anonymous","slot":1,"filters":{"a":16}})",
                          R"({"owner":"anonymous","slot":1,"filters":{"a":68719476736}})",
                          R"({"owner":"anonymous","slot":1,"filters":{"a":-1}})"})
    EXPECT_FALSE(parse_stored_plain_session("c", bad)) << bad;
  // A record written before MQTT 5 (the QoS alone) reads as it did.
  const auto old = parse_stored_plain_session("c", R"({"owner":"anonymous","slot":1,"filters":{"a":2}})");
  ASSERT_TRUE(old) << old.error();
  EXPECT_EQ(old->filters.at("a"), PlainFilter{.qos = 2});
}

TEST(PlainSessionTableTest, AnMqtt5ExpiryIntervalIsStoredAndOlderRecordsNeverExpire) {
  testing::TempDir dir;
  auto kv = testing::open_test_kv(dir.path() / "state.db");
  PlainSessionTable table(*kv);
  PlainSession s;
  s.client_id = "v5";
  s.owner = "anonymous";
  s.expiry = 90;
  ASSERT_TRUE(table.save(s));
  const auto sessions = table.load_all();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0].expiry, 90u);
  const auto old = parse_stored_plain_session("c", R"({"owner":"anonymous","slot":1,"filters":{}})");
  ASSERT_TRUE(old) << old.error();
  EXPECT_EQ(old->expiry, PlainSession::kNever) << "written before MQTT 5: cleanSession=0, kept until a clean CONNECT";
  const auto bad = parse_stored_plain_session("c", R"({"owner":"anonymous","slot":1,"filters":{},"expiry":-5})");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("bad expiry"), std::string::npos) << bad.error();
}

TEST(PlainSessionTableTest, OwnersAndQueueNames) {
  EXPECT_EQ(plain_session_owner(true, "", ""), "anonymous");
  EXPECT_EQ(plain_session_owner(false, "", "edge1/A"), "identity:edge1/A");
  EXPECT_NE(plain_session_owner(true, "edge1/A", ""), plain_session_owner(false, "", "edge1/A"));
  EXPECT_EQ(plain_session_queue_name(12), "mqtt-session-12");
  EXPECT_EQ(plain_session_slot_of_queue("mqtt-session-12"), 12u);
  EXPECT_EQ(plain_session_slot_of_queue("mqtt-session-0"), 0u);
  for (const char* other : {"mqtt-session-", "mqtt-session-012", "mqtt-session-1x", "iothub_Pri0", "mqtt-session--1",
                            "mqtt-session-99999999999"})
    EXPECT_EQ(plain_session_slot_of_queue(other), std::nullopt) << other;
}

}  // namespace
}  // namespace outpost::hub

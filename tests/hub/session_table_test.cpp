// Persistent MQTT sessions (cleanSession=0): the subscription bits outlive the connection
// and the hub process, because they live in the state database.
#include "session_table.h"

#include <gtest/gtest.h>

#include "hub/hub_test_util.h"

namespace outpost::hub {
namespace {

class SessionTableTest : public ::testing::Test {
 protected:
  SessionTableTest() { reopen(); }
  void reopen() {
    kv_.reset();
    kv_ = testing::open_test_kv(dir_.path() / "state.db");
  }
  testing::TempDir dir_;
  std::unique_ptr<kv::KvDatabase> kv_;
};

TEST_F(SessionTableTest, AnUnknownClientHasNoSession) {
  SessionTable sessions(*kv_);
  EXPECT_FALSE(sessions.load("edge1/A"));
}

TEST_F(SessionTableTest, SubscriptionsSurviveReopeningTheDatabase) {
  {
    SessionTable sessions(*kv_);
    sessions.save("edge1/A", 2 | 8);
    sessions.save("leaf1", 1);
  }
  reopen();
  SessionTable sessions(*kv_);
  EXPECT_EQ(sessions.load("edge1/A"), 2u | 8u);
  EXPECT_EQ(sessions.load("leaf1"), 1u);
  sessions.save("leaf1", 0);
  EXPECT_EQ(sessions.load("leaf1"), 0u) << "a session without subscriptions is still a session";
}

TEST_F(SessionTableTest, EraseForgetsTheSession) {
  SessionTable sessions(*kv_);
  sessions.save("edge1/A", 16);
  sessions.erase("edge1/A");
  EXPECT_FALSE(sessions.load("edge1/A"));
  sessions.erase("never-saved");  // no effect, no error
}

TEST_F(SessionTableTest, AnUnreadableEntryResumesAnEmptySession) {
  ASSERT_TRUE(kv_->put("sessions", "edge1/A", "not a number"));
  SessionTable sessions(*kv_);
  EXPECT_EQ(sessions.load("edge1/A"), 0u);
}

}  // namespace
}  // namespace outpost::hub

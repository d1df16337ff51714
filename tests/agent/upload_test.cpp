// The uploads' parts without a network: IoT Edge's blob names, the blob URL made from a SAS
// container URL (and the refusal of one that is not), and the task runner GetTaskStatus reads
// (statuses in order, failures with their reason, a bounded queue, unknown ids).
#include <gtest/gtest.h>

#include <future>

#include "blob_upload.h"
#include "support/mqtt_test_client.h"
#include "upload_tasks.h"

namespace outpost::agent {
namespace {

TEST(BlobUpload, NamesAsIoTEdgeNamesThem) {
  const auto at = std::chrono::system_clock::time_point(std::chrono::seconds(1764843909));  // 2025-12-04 10:25:09 UTC
  EXPECT_EQ(blob_name("myhub.azure-devices.net", "edge1", "tempSensor", "json", at),
            "myhub/edge1/tempSensor-2025-12-04--10-25-09.json");
  EXPECT_EQ(blob_name("10.0.0.7", "edge1", "support-bundle", "zip", at), "10.0.0.7/edge1/support-bundle-2025-12-04--10-25-09.zip");
}

TEST(BlobUpload, TheBlobGoesInsideTheContainerWithTheSasQuery) {
  auto url = blob_url("https://acct.blob.core.windows.net/logs?sv=2021&sig=a%2Bb", "myhub/edge1/m 1.log");
  ASSERT_TRUE(url) << url.error();
  EXPECT_EQ(*url, "https://acct.blob.core.windows.net/logs/myhub/edge1/m%201.log?sv=2021&sig=a%2Bb");
  EXPECT_EQ(*blob_url("http://127.0.0.1:10000/devstore/logs/", "a/b.log"), "http://127.0.0.1:10000/devstore/logs/a/b.log");
  EXPECT_FALSE(blob_url("ftp://acct/logs?sig=x", "a.log"));
  EXPECT_FALSE(blob_url("https://acct.blob.core.windows.net?sig=x", "a.log")) << "no container";
}

TEST(UploadTasks, StatusesInOrderAndFailuresWithTheirReason) {
  UploadTasks tasks;
  std::promise<void> release;
  auto gate = release.get_future().share();
  auto first = tasks.start([gate]() -> Status {
    gate.wait();
    return {};
  });
  auto second = tasks.start([]() -> Status { return make_error("the blob store answered 403"); });
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(testing::wait_until([&] { return (*tasks.status(*first))["status"] == "Running"; }));
  EXPECT_EQ((*tasks.status(*second))["status"], "NotStarted");
  release.set_value();
  ASSERT_TRUE(testing::wait_until([&] { return (*tasks.status(*second))["status"] == "Failed"; }));
  EXPECT_EQ((*tasks.status(*first))["status"], "Completed");
  EXPECT_EQ((*tasks.status(*second))["message"], "the blob store answered 403");
  EXPECT_EQ((*tasks.status(*second))["correlationId"], *second);
  EXPECT_FALSE(tasks.status("no-such-task"));
}

TEST(UploadTasks, TooManyWaitingAreRefused) {
  UploadTasks tasks;
  std::promise<void> release;
  auto gate = release.get_future().share();
  auto blocker = tasks.start([gate]() -> Status {
    gate.wait();
    return {};
  });
  ASSERT_TRUE(testing::wait_until([&] { return (*tasks.status(*blocker))["status"] == "Running"; }));
  for (std::size_t i = 0; i < UploadTasks::kMaxWaiting; ++i) ASSERT_TRUE(tasks.start([]() -> Status { return {}; }));
  auto refused = tasks.start([]() -> Status { return {}; });
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error_kind(), ErrorKind::unavailable);
  release.set_value();
}

}  // namespace
}  // namespace outpost::agent

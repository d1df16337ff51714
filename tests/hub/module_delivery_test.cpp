// Delivery to one module's inputs, with the module played by a FakeConnection: a window
// of messages in flight, highest priority first, a store ack per PUBACK, and redelivery
// in order when a new connection (a new ModuleDelivery) starts from the queue heads.
#include "module_delivery.h"

#include <gtest/gtest.h>

#include "hub/hub_test_util.h"
#include "outpost/core/property_bag.h"

namespace outpost::hub {
namespace {

using outpost::testing::FakeConnection;

const iothub::Identity kReceiver{"edge1", std::string("B")};

class ModuleDeliveryTest : public ::testing::Test {
 protected:
  ModuleDeliveryTest() {
    store_ = testing::open_test_store(dir_.path(), clock_);
    endpoints_ = std::make_unique<EndpointRegistry>(*store_, "edge1");
    input_ = &endpoints_->endpoint(routing::Endpoint::module_input("B", "in1"));
  }

  // A message from module A's output `output`, queued for B's in1 at `priority`.
  void enqueue(const std::string& body, std::uint32_t priority = 0, const std::string& output = "out1") {
    Message m;
    m.body = body;
    m.system.set(std::string(sysprop::kOutputName), output);
    m.system.set(std::string(sysprop::kConnectionDeviceId), "edge1");
    m.system.set(std::string(sysprop::kConnectionModuleId), "A");
    m.application.set("colour", "blue");
    const auto queue = endpoints_->queue(*input_, priority);
    ASSERT_EQ(store_->append(m, {{queue, 0}}, [](bool) {}).status, store::AppendStatus::accepted);
  }

  std::unique_ptr<ModuleDelivery> delivery_to(const std::shared_ptr<FakeConnection>& c, std::size_t window) {
    return std::make_unique<ModuleDelivery>(*store_, metrics_, c, kReceiver, window, clock_);
  }

  std::uint64_t waiting() const {
    std::uint64_t n = 0;
    for (const auto& q : input_->queues) n += store_->queue_length(q.queue);
    return n;
  }

  static std::vector<std::string> bodies(const std::vector<FakeConnection::Published>& published) {
    std::vector<std::string> out;
    for (const auto& p : published) out.push_back(p.payload);
    return out;
  }

  testing::TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<store::MessageStore> store_;
  HubMetrics metrics_{"myhub.local", "edge1"};
  std::unique_ptr<EndpointRegistry> endpoints_;
  EndpointInfo* input_ = nullptr;
};

TEST_F(ModuleDeliveryTest, PublishesOnTheInputTopicWithTheMessagesPropertiesButNotItsOutput) {
  enqueue("{\"t\":1}");
  auto b = FakeConnection::make(nullptr, "edge1/B");
  auto delivery = delivery_to(b, 10);
  delivery->pump(*input_);
  ASSERT_EQ(b->published().size(), 1u);
  const auto& p = b->published()[0];
  EXPECT_EQ(p.payload, "{\"t\":1}");
  EXPECT_EQ(p.qos, 1);
  ASSERT_EQ(p.topic.rfind("devices/edge1/modules/B/inputs/in1/", 0), 0u) << p.topic;
  Message seen;
  ASSERT_TRUE(decode_property_bag(p.topic.substr(std::string("devices/edge1/modules/B/inputs/in1/").size()), seen));
  EXPECT_EQ(seen.system.get(sysprop::kConnectionModuleId), "A");
  EXPECT_EQ(seen.application.get("colour"), "blue");
  EXPECT_FALSE(seen.system.contains(sysprop::kOutputName)) << "the sender's output is not delivered: " << p.topic;
}

TEST_F(ModuleDeliveryTest, KeepsAtMostTheWindowInFlightAndRefillsOnEachAck) {
  for (int i = 0; i < 5; ++i) enqueue("m" + std::to_string(i));
  auto b = FakeConnection::make(nullptr, "edge1/B");
  auto delivery = delivery_to(b, 2);
  delivery->pump(*input_);
  EXPECT_EQ(bodies(b->published()), (std::vector<std::string>{"m0", "m1"}));
  EXPECT_EQ(delivery->in_flight(), 2u);
  delivery->pump(*input_);  // pumping again sends nothing while the window is full
  EXPECT_EQ(b->published().size(), 2u);
  delivery->delivered(b->published()[0].tag);
  EXPECT_EQ(bodies(b->published()), (std::vector<std::string>{"m0", "m1", "m2"}));
  EXPECT_EQ(waiting(), 4u) << "the PUBACK removed m0 from the store";
  for (std::size_t i = 1; i < 5; ++i) delivery->delivered(b->published()[i].tag);
  EXPECT_EQ(b->published().size(), 5u);
  EXPECT_EQ(waiting(), 0u);
  EXPECT_EQ(delivery->in_flight(), 0u);
  EXPECT_EQ(metrics_.sent("edge1/A", "edge1/B", "out1", "in1", 0).value(), 5);
}

TEST_F(ModuleDeliveryTest, HigherPriorityQueuesAreReadFirst) {
  enqueue("low0", 5);
  enqueue("low1", 5);
  enqueue("high0", 0);
  enqueue("high1", 0);
  auto b = FakeConnection::make(nullptr, "edge1/B");
  auto delivery = delivery_to(b, 3);
  delivery->pump(*input_);
  EXPECT_EQ(bodies(b->published()), (std::vector<std::string>{"high0", "high1", "low0"}));
  delivery->delivered(b->published()[0].tag);
  EXPECT_EQ(bodies(b->published()).back(), "low1");
}

TEST_F(ModuleDeliveryTest, UnacknowledgedMessagesAreDeliveredAgainInOrderOnTheNextConnection) {
  for (int i = 0; i < 3; ++i) enqueue("m" + std::to_string(i));
  {
    auto first = FakeConnection::make(nullptr, "edge1/B");
    auto delivery = delivery_to(first, 10);
    delivery->pump(*input_);
    ASSERT_EQ(first->published().size(), 3u);
    delivery->delivered(first->published()[0].tag);  // only m0 is acknowledged
    first->close(mqtt::CloseReason::transport_error, "gone");
  }
  auto second = FakeConnection::make(nullptr, "edge1/B");
  auto delivery = delivery_to(second, 10);
  delivery->pump(*input_);
  EXPECT_EQ(bodies(second->published()), (std::vector<std::string>{"m1", "m2"}));
  for (const auto& p : second->published()) delivery->delivered(p.tag);
  EXPECT_EQ(waiting(), 0u);
  auto third = FakeConnection::make(nullptr, "edge1/B");
  delivery_to(third, 10)->pump(*input_);
  EXPECT_TRUE(third->published().empty()) << "acknowledged messages must not come back";
}

TEST_F(ModuleDeliveryTest, NothingIsSentOnAClosedConnectionAndUnknownAcksAreIgnored) {
  enqueue("m0");
  auto b = FakeConnection::make(nullptr, "edge1/B");
  b->close(mqtt::CloseReason::transport_error, "gone");
  auto delivery = delivery_to(b, 10);
  delivery->pump(*input_);
  EXPECT_TRUE(b->published().empty());
  delivery->delivered(12345);
  EXPECT_EQ(waiting(), 1u);
}

TEST_F(ModuleDeliveryTest, MeasuresTheTimeFromEnqueueToAcknowledgementByTheClock) {
  enqueue("m0");
  auto b = FakeConnection::make(nullptr, "edge1/B");
  auto delivery = delivery_to(b, 10);
  delivery->pump(*input_);
  clock_.advance(std::chrono::milliseconds(2500));
  delivery->delivered(b->published()[0].tag);
  EXPECT_EQ(metrics_.process_duration().count(), 1u);
  EXPECT_DOUBLE_EQ(metrics_.process_duration().sum(), 2.5);
}

}  // namespace
}  // namespace outpost::hub

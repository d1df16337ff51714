// Endpoints and their store queues: edgeHub's queue names, highest priority first, and the
// queues a restarted hub finds in its store adopted as endpoints again.
#include "endpoint_registry.h"

#include <gtest/gtest.h>

#include "hub/hub_test_util.h"

namespace outpost::hub {
namespace {

using testing::TempDir;

class EndpointRegistryTest : public ::testing::Test {
 protected:
  EndpointRegistryTest() { open(); }
  void open() {
    store_.reset();
    store_ = testing::open_test_store(dir_.path(), clock_);
  }

  TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<store::MessageStore> store_;
};

TEST_F(EndpointRegistryTest, NamesQueuesAsEdgeHubDoes) {
  EXPECT_EQ(EndpointRegistry::queue_name("iothub", 0), "iothub_Pri0");
  EXPECT_EQ(EndpointRegistry::queue_name("edge1/filter/input1", 2000000000), "edge1/filter/input1_Pri2000000000");
  EndpointRegistry registry(*store_, "edge1");
  auto& upstream = registry.endpoint(routing::Endpoint::upstream());
  EXPECT_EQ(upstream.id, "iothub");
  auto& input = registry.endpoint(routing::Endpoint::module_input("filter", "input1"));
  EXPECT_EQ(input.id, "edge1/filter/input1");
  registry.queue(input, 3);
  ASSERT_EQ(store_->stats().size(), 1u);
  EXPECT_EQ(store_->stats()[0].name, "edge1/filter/input1_Pri3");
}

TEST_F(EndpointRegistryTest, OneEndpointPerIdAndOneQueuePerPriorityHighestFirst) {
  EndpointRegistry registry(*store_, "edge1");
  auto& first = registry.endpoint(routing::Endpoint::module_input("B", "in1"));
  auto& again = registry.endpoint(routing::Endpoint::module_input("B", "in1"));
  EXPECT_EQ(&first, &again) << "pointers to endpoints stay valid and unique";
  const auto q5 = registry.queue(first, 5);
  const auto q0 = registry.queue(first, 0);
  const auto q9 = registry.queue(first, 9);
  EXPECT_EQ(registry.queue(first, 5), q5);
  ASSERT_EQ(first.queues.size(), 3u);
  EXPECT_EQ(first.queues[0].priority, 0u);
  EXPECT_EQ(first.queues[0].queue, q0);
  EXPECT_EQ(first.queues[1].priority, 5u);
  EXPECT_EQ(first.queues[2].priority, 9u);
  EXPECT_EQ(first.queues[2].queue, q9);
  EXPECT_EQ(registry.find("edge1/B/in1"), &first);
  EXPECT_EQ(registry.find("edge1/B/in2"), nullptr);
}

TEST_F(EndpointRegistryTest, ForModuleListsOnlyThatModulesInputs) {
  EndpointRegistry registry(*store_, "edge1");
  registry.endpoint(routing::Endpoint::module_input("B", "in1"));
  registry.endpoint(routing::Endpoint::module_input("B", "in2"));
  registry.endpoint(routing::Endpoint::module_input("C", "in1"));
  registry.endpoint(routing::Endpoint::upstream());
  std::vector<std::string> ids;
  for (const auto* e : registry.for_module("B")) ids.push_back(e->id);
  EXPECT_EQ(ids, (std::vector<std::string>{"edge1/B/in1", "edge1/B/in2"}));
  EXPECT_TRUE(registry.for_module("A").empty());
  EXPECT_EQ(registry.all().size(), 4u);
}

TEST_F(EndpointRegistryTest, RecoversEndpointsFromTheQueuesOfAReopenedStore) {
  {
    EndpointRegistry registry(*store_, "edge1");
    auto& input = registry.endpoint(routing::Endpoint::module_input("B", "in1"));
    registry.queue(input, 2);
    registry.queue(input, 0);
    registry.queue(registry.endpoint(routing::Endpoint::upstream()), 0);
    store_->queue("not-an-endpoint");        // no _Pri suffix
    store_->queue("x_Prihigh");              // no number
    store_->queue("lonely_Pri1");            // neither iothub nor edge/module/input
    store_->flush();
  }
  open();
  EndpointRegistry recovered(*store_, "edge1");
  recovered.recover();
  const auto* input = recovered.find("edge1/B/in1");
  ASSERT_NE(input, nullptr);
  EXPECT_EQ(input->endpoint.kind, routing::Endpoint::Kind::module_input);
  EXPECT_EQ(input->endpoint.module, "B");
  EXPECT_EQ(input->endpoint.input, "in1");
  ASSERT_EQ(input->queues.size(), 2u);
  EXPECT_EQ(input->queues[0].priority, 0u);
  EXPECT_EQ(input->queues[1].priority, 2u);
  const auto* upstream = recovered.find("iothub");
  ASSERT_NE(upstream, nullptr);
  EXPECT_EQ(upstream->endpoint.kind, routing::Endpoint::Kind::upstream);
  EXPECT_EQ(recovered.all().size(), 2u) << "queues with unknown names are left alone";
}

}  // namespace
}  // namespace outpost::hub

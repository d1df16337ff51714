// edgeHub's metric names and labels (hub-protocol.md §6), so dashboards built for edgeHub
// keep working against Outpost.
#include "hub_metrics.h"

#include <gtest/gtest.h>

namespace outpost::hub {
namespace {

TEST(HubMetrics, UsesEdgeHubsNamesLabelsAndConstantLabels) {
  HubMetrics metrics("myhub.local", "edge1");
  metrics.received("edge1/A", "out1").inc();
  metrics.sent("edge1/A", "edge1/B", "out1", "in1", 3).inc(2);
  metrics.dropped("no_route", "edge1/A", "out2").inc();
  metrics.queue_length("edge1/B/in1", 0).set(7);
  const auto text = metrics.registry().render();
  for (const auto* expected :
       {R"(edgehub_messages_received_total{iothub="myhub.local",edge_device="edge1",instance_number="0",route_output="out1",id="edge1/A"} 1)",
        R"(edgehub_messages_sent_total{iothub="myhub.local",edge_device="edge1",instance_number="0",from="edge1/A",to="edge1/B",from_route_output="out1",to_route_input="in1",priority="3"} 2)",
        R"(edgehub_messages_dropped_total{iothub="myhub.local",edge_device="edge1",instance_number="0",reason="no_route",from="edge1/A",from_route_output="out2"} 1)",
        R"(edgehub_queue_length{iothub="myhub.local",edge_device="edge1",instance_number="0",endpoint="edge1/B/in1",priority="0"} 7)"})
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\nnot in:\n" << text;
}

TEST(HubMetrics, TheSameLabelsAreTheSameSeries) {
  HubMetrics metrics("h", "e");
  EXPECT_EQ(&metrics.received("edge1/A", ""), &metrics.received("edge1/A", ""));
  EXPECT_NE(&metrics.received("edge1/A", ""), &metrics.received("edge1/A", "out1"));
}

}  // namespace
}  // namespace outpost::hub

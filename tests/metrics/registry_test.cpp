#include "outpost/metrics/registry.h"

#include <cmath>

#include <gtest/gtest.h>

namespace outpost::metrics {
namespace {

TEST(MetricsRegistry, RendersPrometheusTextWithConstantLabels) {
  Registry registry({{"iothub", "hub.local"}, {"edge_device", "edge1"}});
  registry.counter("edgehub_messages_received_total", "Messages received", {{"id", "edge1/a\"b"}}).inc(3);
  registry.gauge("edgehub_connected_clients", "Clients").set(2);
  const auto text = registry.render();
  EXPECT_NE(text.find("# TYPE edgehub_messages_received_total counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("edgehub_messages_received_total{iothub=\"hub.local\",edge_device=\"edge1\",id=\"edge1/a\\\"b\"} 3\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("edgehub_connected_clients{iothub=\"hub.local\",edge_device=\"edge1\"} 2\n"),
            std::string::npos) << text;
}

TEST(MetricsRegistry, SameLabelsSameSeries) {
  Registry registry;
  auto& a = registry.counter("c_total", "h", {{"k", "v"}});
  auto& b = registry.counter("c_total", "h", {{"k", "v"}});
  EXPECT_EQ(&a, &b);
  a.inc();
  b.inc(2);
  EXPECT_EQ(registry.counter("c_total", "h", {{"k", "v"}}).value(), 3);
  EXPECT_THROW(registry.gauge("c_total", "h"), std::logic_error);
}

TEST(MetricsRegistry, RefreshesBeforeRendering) {
  Registry registry;
  int calls = 0;
  registry.on_collect([&] { registry.gauge("g", "h").set(++calls); });
  EXPECT_NE(registry.render().find("g 1\n"), std::string::npos);
  EXPECT_NE(registry.render().find("g 2\n"), std::string::npos);
}

TEST(Summary, ComputesQuantilesAndTotals) {
  Summary s(100);
  EXPECT_TRUE(std::isnan(s.quantile(0.5)));
  for (int i = 1; i <= 100; ++i) s.observe(i);
  EXPECT_EQ(s.quantile(0.5), 50);
  EXPECT_EQ(s.quantile(0.99), 99);
  EXPECT_EQ(s.count(), 100u);
  EXPECT_EQ(s.sum(), 5050);
  for (int i = 0; i < 100; ++i) s.observe(1000);  // the window keeps the last 100
  EXPECT_EQ(s.quantile(0.5), 1000);
}

}  // namespace
}  // namespace outpost::metrics

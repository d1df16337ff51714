// The sample modules' decisions, without a hub: the sensor's settings (environment, twin),
// its simulated machine (heats from 21 °C, never past the model, reset cools it), and the
// filter (alerts above the threshold, marked, with the reading's properties; the rest dropped).
#include <gtest/gtest.h>

#include <cstdlib>

#include "filter.h"
#include "sensor_settings.h"
#include "simulation.h"

namespace {

using nlohmann::json;

TEST(SensorSettings, IntervalsInSecondsOrTimeSpan) {
  EXPECT_EQ(sensor::parse_interval("5"), std::chrono::seconds(5));
  EXPECT_EQ(sensor::parse_interval("00:01:30"), std::chrono::seconds(90));
  for (const auto* bad : {"", "0", "-1", "1.5", "00:05", "a:b:c", "1::2", "99999999999"})
    EXPECT_FALSE(sensor::parse_interval(bad)) << bad;
}

TEST(SensorSettings, FromTheEnvironmentThenTheTwin) {
  ::setenv("MessageCount", "7", 1);
  ::setenv("SendInterval", "2", 1);
  ::setenv("SendData", "false", 1);
  auto s = sensor::settings_from_environment();
  ::unsetenv("MessageCount");
  ::unsetenv("SendInterval");
  ::unsetenv("SendData");
  EXPECT_EQ(s.message_count, 7);
  EXPECT_EQ(s.send_interval, std::chrono::seconds(2));
  EXPECT_FALSE(s.send_data);
  EXPECT_TRUE(sensor::apply_desired(s, json{{"SendInterval", 10}, {"SendData", true}}));
  EXPECT_EQ(s.send_interval, std::chrono::seconds(10));
  EXPECT_TRUE(s.send_data);
  EXPECT_FALSE(sensor::apply_desired(s, json{{"SendInterval", 10}})) << "nothing changed";
  EXPECT_FALSE(sensor::apply_desired(s, json{{"SendInterval", "soon"}, {"SendData", "yes"}})) << "unusable values are ignored";
  EXPECT_EQ(s.send_interval, std::chrono::seconds(10));
}

TEST(SensorSimulation, HeatsUpStaysInTheModelAndResets) {
  sensor::Simulation simulation(42);
  const auto first = simulation.next_reading();
  EXPECT_LT(first["machine"]["temperature"].get<double>(), 22.5);
  double hottest = 0;
  for (int i = 0; i < 400; ++i) {
    const auto r = simulation.next_reading();
    hottest = std::max(hottest, r["machine"]["temperature"].get<double>());
    ASSERT_GE(r["ambient"]["humidity"].get<int>(), 24);
    ASSERT_LE(r["ambient"]["humidity"].get<int>(), 26);
    ASSERT_EQ(r["timeCreated"].get<std::string>().size(), 24u) << r.dump();
  }
  EXPECT_GT(hottest, 90) << "the machine never heated up";
  EXPECT_LT(hottest, 110) << "the machine ran away";
  simulation.reset();
  EXPECT_LT(simulation.next_reading()["machine"]["temperature"].get<double>(), 22.5);
}

outpost::client::Message reading(double temperature) {
  outpost::client::Message m(json{{"machine", {{"temperature", temperature}, {"pressure", 1.0}}}}.dump());
  m.contentType = "application/json";
  m.setProperty("sequenceNumber", "3");
  return m;
}

TEST(TemperatureFilter, AlertsAboveTheThresholdOnly) {
  filter::Filter f;
  EXPECT_EQ(f.threshold(), 25);
  EXPECT_FALSE(f.alert_for(reading(25)));
  const auto alert = f.alert_for(reading(25.5));
  ASSERT_TRUE(alert);
  ASSERT_NE(alert->property("MessageType"), nullptr);
  EXPECT_EQ(*alert->property("MessageType"), "Alert");
  ASSERT_NE(alert->property("sequenceNumber"), nullptr);
  EXPECT_EQ(alert->contentType, "application/json");
  EXPECT_TRUE(f.apply_desired(json{{"TemperatureThreshold", 30}}));
  EXPECT_FALSE(f.alert_for(reading(25.5)));
  EXPECT_FALSE(f.apply_desired(json{{"TemperatureThreshold", "hot"}}));
  EXPECT_FALSE(f.alert_for(outpost::client::Message("not json")));
  EXPECT_FALSE(f.alert_for(outpost::client::Message(R"({"machine":{"temperature":"99"}})")));
  EXPECT_EQ(f.forwarded(), 1);
  EXPECT_EQ(f.dropped(), 4);
}

}  // namespace

// What a client's telemetry and will become (rules the edge hub and the cloud share).
#include "outpost/iothub/telemetry_rules.h"

#include <gtest/gtest.h>

#include "test_identities.h"

namespace outpost::iothub {
namespace {

using test_identities::kLeaf;
using test_identities::kModuleA;

TelemetryIntake take(const std::string& topic_text, const Identity& who, mqtt::PublishPacket packet,
                     DupMarking dup = DupMarking::ignore) {
  const auto topic = parse_publish_topic(topic_text);
  EXPECT_TRUE(topic);
  packet.topic = topic_text;
  return take_telemetry(std::get<TelemetryTopic>(*topic), who, packet, dup);
}

TEST(TelemetryRules, TheConnectionNotTheBagSaysWhoSentIt) {
  const auto in = take("devices/edge1/modules/A/messages/events/%24.on=out1&%24.cdid=forged&%24.cmid=forged&k=v",
                       kModuleA, {"", "{\"t\":1}", 1, true, true, 7}, DupMarking::mark);
  ASSERT_TRUE(in.ok()) << in.reason;
  EXPECT_EQ(in.message.body, "{\"t\":1}");
  EXPECT_EQ(in.message.system.get(sysprop::kConnectionDeviceId), "edge1");
  EXPECT_EQ(in.message.system.get(sysprop::kConnectionModuleId), "A");
  EXPECT_EQ(in.message.system.get(sysprop::kOutputName), "out1");
  EXPECT_EQ(in.message.application.get("k"), "v");
  EXPECT_EQ(in.message.application.get("mqtt-retain"), "true");
  EXPECT_EQ(in.message.application.get("mqtt-dup"), "true");  // edgeHub marks DUP
  const auto device = take("devices/leaf1/messages/events/%24.cmid=forged", kLeaf, {"", "x", 1, false, true, 1});
  ASSERT_TRUE(device.ok());
  EXPECT_FALSE(device.message.system.contains(sysprop::kConnectionModuleId));
  EXPECT_FALSE(device.message.application.contains("mqtt-dup"));  // IoT Hub does not
}

TEST(TelemetryRules, AnMqtt5ClientsUserPropertiesAreApplicationPropertiesUnlessTheBagGaveThem) {
  mqtt::PublishPacket packet{"", "{}", 1};
  packet.properties.user_properties = {{"site", "plant1"}, {"k", "from-v5"}, {"line", "2"}};
  packet.properties.content_type = "application/json";
  const auto in = take("devices/leaf1/messages/events/k=from-bag", kLeaf, packet);
  ASSERT_TRUE(in.ok()) << in.reason;
  EXPECT_EQ(in.message.application.get("site"), "plant1");
  EXPECT_EQ(in.message.application.get("line"), "2");
  EXPECT_EQ(in.message.application.get("k"), "from-bag") << "the topic's bag wins";
  EXPECT_EQ(in.message.system.get(sysprop::kContentType), "application/json");
  packet.properties.user_properties = {{"pad", std::string(kMaxMessageSize, 'x')}};
  EXPECT_EQ(take("devices/leaf1/messages/events/", kLeaf, packet).fault, TelemetryFault::too_large)
      << "user properties count toward IoT Hub's size limit";
}

TEST(TelemetryRules, RefusesAnotherIdentityABadBagAndOversizeMessages) {
  const auto spoofed = take("devices/edge1/modules/B/messages/events/", kModuleA, {"", "x", 1});
  EXPECT_EQ(spoofed.fault, TelemetryFault::another_identity);
  EXPECT_EQ(spoofed.reason, "'edge1/A' published as 'edge1/B'");
  const auto bad = take("devices/leaf1/messages/events/a=%zz", kLeaf, {"", "x", 1});
  EXPECT_EQ(bad.fault, TelemetryFault::bad_property_bag);
  EXPECT_FALSE(bad.reason.empty());
  const auto big = take("devices/leaf1/messages/events/%24.on=o", kLeaf, {"", std::string(kMaxMessageSize, 'x'), 1});
  EXPECT_EQ(big.fault, TelemetryFault::too_large);
  EXPECT_NE(big.reason.find("exceeds IoT Hub's limit"), std::string::npos) << big.reason;
  EXPECT_EQ(big.message.system.get(sysprop::kOutputName), "o");  // for the drop's metric labels
  // Exactly at the limit is accepted: body + property names and values, as IoT Hub counts.
  Message probe;
  probe.body = "x";
  stamp_sender(probe, kLeaf);
  const auto fits = take("devices/leaf1/messages/events/", kLeaf,
                         {"", std::string(kMaxMessageSize - probe.counted_size() + 1, 'x'), 1});
  EXPECT_TRUE(fits.ok()) << fits.reason;
}

TEST(TelemetryRules, AWillIsTheOwnersTelemetryMarkedAsAWill) {
  auto will = will_message({"devices/edge1/modules/A/messages/events/%24.cdid=x&k=v", "gone", 1, false}, kModuleA,
                           kEdgeHubWillMarker);
  ASSERT_TRUE(will) << will.error();
  EXPECT_EQ(will->body, "gone");
  EXPECT_EQ(will->application.get("MessageType"), "Will");
  EXPECT_EQ(will->application.get("k"), "v");
  EXPECT_EQ(will->system.get(sysprop::kConnectionDeviceId), "edge1");
  auto iothub = will_message({"devices/leaf1/messages/events/", "gone", 0, false}, kLeaf, kIotHubWillMarker);
  ASSERT_TRUE(iothub);
  EXPECT_EQ(iothub->application.get("iothub-MessageType"), "Will");
  EXPECT_EQ(will_message({"devices/edge1/modules/B/messages/events/", "x", 0, false}, kModuleA, kEdgeHubWillMarker)
                .error(),
            "its topic 'devices/edge1/modules/B/messages/events/' is not its own telemetry topic");
  EXPECT_FALSE(will_message({"sensors/temp", "x", 0, false}, kModuleA, kEdgeHubWillMarker));
  EXPECT_FALSE(will_message({"devices/leaf1/messages/events/a=%zz", "x", 0, false}, kLeaf, kIotHubWillMarker));
}

}  // namespace
}  // namespace outpost::iothub

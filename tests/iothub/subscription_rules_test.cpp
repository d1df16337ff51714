// Subscription authorization (a security rule the edge hub and the cloud share).
#include "outpost/iothub/subscription_rules.h"

#include <gtest/gtest.h>

#include "test_identities.h"

namespace outpost::iothub {
namespace {

using test_identities::kLeaf;
using test_identities::kModuleA;

SubscribeDecision subscribe(const Identity& who, std::vector<mqtt::Subscription> filters) {
  return authorize_subscriptions(who, filters);
}

TEST(SubscriptionRules, GrantsAClientItsOwnTopicsAtMostQos1) {
  const auto d = subscribe(kModuleA, {{"devices/edge1/modules/A/#", 1},
                                      {"$iothub/twin/res/#", 0},
                                      {"$iothub/twin/PATCH/properties/desired/#", 2},
                                      {"$iothub/methods/POST/#", 0}});
  EXPECT_EQ(d.return_codes, (std::vector<std::uint8_t>{1, 0, 1, 0}));
  EXPECT_TRUE(d.granted_kind(SubscriptionKind::module_inputs));
  EXPECT_TRUE(d.granted_kind(SubscriptionKind::twin_desired));
  EXPECT_TRUE(d.granted_kind(SubscriptionKind::methods));
  EXPECT_FALSE(d.granted_kind(SubscriptionKind::c2d));
  EXPECT_TRUE(d.refused.empty());
  const auto leaf = subscribe(kLeaf, {{"devices/leaf1/messages/devicebound/#", 1}});
  EXPECT_EQ(leaf.return_codes, (std::vector<std::uint8_t>{1}));
  EXPECT_TRUE(leaf.granted_kind(SubscriptionKind::c2d));
}

TEST(SubscriptionRules, RefusesAnotherIdentitysTopicsAndUnknownFiltersNamingWhy) {
  const auto d = subscribe(kModuleA, {{"devices/edge1/modules/B/inputs/#", 1},
                                      {"devices/edge1/messages/devicebound/#", 1},
                                      {"#", 0},
                                      {"$iothub/methods/POST/#", 1}});
  EXPECT_EQ(d.return_codes, (std::vector<std::uint8_t>{mqtt::kSubackFailure, mqtt::kSubackFailure,
                                                        mqtt::kSubackFailure, 1}));
  EXPECT_EQ(d.granted, static_cast<std::uint32_t>(SubscriptionKind::methods));
  EXPECT_EQ(d.refused, (std::vector<std::string>{"'devices/edge1/modules/B/inputs/#' (not its own topic)",
                                                 "'devices/edge1/messages/devicebound/#' (modules receive no "
                                                 "cloud-to-device messages)",
                                                 "'#' (not an IoT Hub topic)"}));
  // A device may not read another device's C2D, nor a module's inputs.
  const auto leaf = subscribe(kLeaf, {{"devices/leaf2/messages/devicebound/#", 1}, {"devices/leaf1/modules/A/#", 1}});
  EXPECT_EQ(leaf.return_codes, (std::vector<std::uint8_t>{mqtt::kSubackFailure, mqtt::kSubackFailure}));
  EXPECT_EQ(leaf.granted, 0u);
}

}  // namespace
}  // namespace outpost::iothub

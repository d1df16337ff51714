#include "outpost/core/property_bag.h"

#include <gtest/gtest.h>

namespace outpost {
namespace {

// Captured from azure-iot-device 1.18.4 (sendOutputEvent), see sdk-wire-facts.md (b).
constexpr const char* kNodeOutputBag =
    "%24.on=output1&%24.mid=msg-1-0&%24.cid=corr-0&%24.ct=application%2Fjson&%24.ce=utf-8"
    "&seq=0&custom%20prop=a%20b%26c%3Dd%2F%C3%A9";

TEST(PropertyBag, DecodesTheNodeSdkOutputBag) {
  Message m;
  ASSERT_TRUE(decode_property_bag(kNodeOutputBag, m));
  EXPECT_EQ(m.system.get(sysprop::kOutputName), "output1");
  EXPECT_EQ(m.system.get(sysprop::kMessageId), "msg-1-0");
  EXPECT_EQ(m.system.get(sysprop::kCorrelationId), "corr-0");
  EXPECT_EQ(m.system.get(sysprop::kContentType), "application/json");
  EXPECT_EQ(m.system.get(sysprop::kContentEncoding), "utf-8");
  EXPECT_EQ(m.application.get("seq"), "0");
  EXPECT_EQ(m.application.get("custom prop"), "a b&c=d/\xC3\xA9");
  EXPECT_EQ(m.system.size(), 5u);
  EXPECT_EQ(m.application.size(), 2u);
}

TEST(PropertyBag, RoundTripsSdkStringsExactly) {
  for (const std::string& bag :
       {std::string(kNodeOutputBag),
        std::string("%24.mid=1&%24.uid=u&%24.to=%2Fdevices%2Fd%2Fmessages%2FdeviceBound&%24.exp="
                    "2024-01-01T00%3A00%3A00.000Z&%24.ifid=urn%3Aa&%24.sub=thermostat1"),
        std::string("%24.cdid=edge1&%24.cmid=moduleA"),
        std::string("a=1&b=&c"),
        std::string("iothub-operation=x&ack=full&k=%E2%82%AC")}) {
    Message m;
    ASSERT_TRUE(decode_property_bag(bag, m)) << bag;
    EXPECT_EQ(encode_property_bag(m), bag);
  }
}

TEST(PropertyBag, DistinguishesNullFromEmpty) {
  Message m;
  ASSERT_TRUE(decode_property_bag("bare&empty=&full=x", m));
  ASSERT_TRUE(m.application.contains("bare"));
  EXPECT_EQ(m.application.find("bare")->value, std::nullopt);
  EXPECT_EQ(m.application.find("empty")->value, std::optional<std::string>(""));
}

TEST(PropertyBag, ToleratesLeadingQuestionMarkAndStopsAtSlash) {
  Message m;
  ASSERT_TRUE(decode_property_bag("?%24.on=o1&x=1/ignored=2", m));
  EXPECT_EQ(m.system.get(sysprop::kOutputName), "o1");
  EXPECT_EQ(m.application.get("x"), "1");
  EXPECT_FALSE(m.application.contains("ignored"));
  Message empty;
  ASSERT_TRUE(decode_property_bag("", empty));
  ASSERT_TRUE(decode_property_bag("&&", empty));
  EXPECT_TRUE(empty.application.empty());
}

TEST(PropertyBag, UnencodedDollarKeysAreSystemPropertiesToo) {
  Message m;
  ASSERT_TRUE(decode_property_bag("$.mid=abc", m));
  EXPECT_EQ(m.system.get(sysprop::kMessageId), "abc");
}

TEST(PropertyBag, ReportsBadEncodingWithPosition) {
  Message m;
  EXPECT_EQ(decode_property_bag("a=1&b%zz=2", m).error(),
            "property bag: bad percent-encoding in key at offset 4");
  EXPECT_EQ(decode_property_bag("a=%4", m).error(),
            "property bag: bad percent-encoding in the value of 'a'");
  EXPECT_EQ(decode_property_bag("=1", m).error(), "property bag: empty key at offset 0");
}

TEST(Message, CountsSizeAsIotHubDoes) {
  Message m;
  m.body = "12345";
  m.system.set("messageId", "ab");      // 9 + 2
  m.application.set("k", std::nullopt);  // 1
  EXPECT_EQ(m.counted_size(), 5u + 11u + 1u);
}

}  // namespace
}  // namespace outpost

#include "message_mapping.h"

#include <algorithm>

#include <gtest/gtest.h>
#include <proton/annotation_key.hpp>
#include <proton/binary.hpp>
#include <proton/codec.h>
#include <proton/decimal.hpp>
#include <proton/message.h>
#include <proton/symbol.hpp>
#include <proton/timestamp.hpp>
#include <proton/uuid.hpp>

#include "outpost/core/property_bag.h"

namespace outpost::amqp {
namespace {

constexpr std::int64_t k20261205 = 1796479200000;  // 2026-12-05T14:00:00.000Z

// A message as a client puts it on the wire, built with Proton's C API: Proton C++ sorts map
// sections by key and cannot put keys of odd types into them.
class WireMessage {
 public:
  WireMessage() : message_(pn_message()) {}
  ~WireMessage() { pn_message_free(message_); }
  WireMessage(const WireMessage&) = delete;
  WireMessage& operator=(const WireMessage&) = delete;

  pn_message_t* get() { return message_; }
  pn_data_t* properties() { return pn_message_properties(message_); }
  pn_data_t* annotations() { return pn_message_annotations(message_); }
  pn_data_t* body() { return pn_message_body(message_); }

  proton::message decoded() {
    std::vector<char> bytes(1 << 16);
    std::size_t size = bytes.size();
    EXPECT_EQ(pn_message_encode(message_, bytes.data(), &size), 0);
    bytes.resize(size);
    proton::message out;
    out.decode(bytes);
    return out;
  }

 private:
  pn_message_t* message_;
};

void put_wire_string(pn_data_t* d, std::string_view s) { pn_data_put_string(d, pn_bytes(s.size(), s.data())); }
void put_wire_symbol(pn_data_t* d, std::string_view s) { pn_data_put_symbol(d, pn_bytes(s.size(), s.data())); }

// The message as the peer receives it.
proton::message over_the_wire(const proton::message& m) {
  proton::message out;
  out.decode(m.encode());
  return out;
}

std::vector<Property> sorted_properties(const PropertyList& list) {
  std::vector<Property> out(list.begin(), list.end());
  std::sort(out.begin(), out.end(), [](const Property& a, const Property& b) { return a.name < b.name; });
  return out;
}

proton::uuid test_uuid() {
  const char bytes[16] = {'\x01', '\x23', '\x45', '\x67', '\x89', '\xab', '\xcd', '\xef',
                          '\x10', '\x32', '\x54', '\x76', '\x98', '\xba', '\xdc', '\xfe'};
  return proton::uuid::copy(bytes);
}

proton::scalar annotation_of(const proton::message& m, const std::string& key) {
  const auto value = m.message_annotations().get(proton::annotation_key(proton::symbol(key)));
  return value.empty() ? proton::scalar() : proton::get<proton::scalar>(value);
}

// --- from AMQP -------------------------------------------------------------------------------

TEST(FromAmqp, MapsThePropertiesSection) {
  proton::message m;
  m.id(proton::message_id(std::string("msg-1")));
  m.correlation_id(proton::message_id(test_uuid()));
  m.to("/devices/d/messages/events");
  m.user(std::string("user\0id", 7));
  m.content_type("application/json");
  m.content_encoding("utf-8");
  m.expiry_time(proton::timestamp(k20261205));
  m.subject("not mapped");
  m.body(std::string("{}"));
  const auto mapped = from_amqp(over_the_wire(m));
  ASSERT_TRUE(mapped) << mapped.error();
  const std::vector<Property> expected = {
      {"messageId", "msg-1"},
      {"cid", "01234567-89ab-cdef-1032-547698badcfe"},
      {"to", "/devices/d/messages/events"},
      {"userId", std::string("user\0id", 7)},
      {"contentType", "application/json"},
      {"contentEncoding", "utf-8"},
      {"absolute-expiry-time", "2026-12-05T14:00:00.000Z"},
  };
  EXPECT_EQ(std::vector<Property>(mapped->system.begin(), mapped->system.end()), expected);
  EXPECT_TRUE(mapped->application.empty());
  EXPECT_EQ(mapped->body, "{}");
}

TEST(FromAmqp, IdsOfEveryAmqpType) {
  EXPECT_EQ(id_to_string(proton::message_id(std::string("abc"))), "abc");
  EXPECT_EQ(id_to_string(proton::message_id(test_uuid())), "01234567-89ab-cdef-1032-547698badcfe");
  EXPECT_EQ(id_to_string(proton::message_id(std::uint64_t{18446744073709551615u})), "18446744073709551615");
  EXPECT_EQ(id_to_string(proton::message_id(proton::binary(std::string("\x01\x00z", 3)))), std::string("\x01\x00z", 3));
  EXPECT_EQ(id_to_string(proton::message_id()), "");

  proton::message m;
  m.id(proton::message_id(std::uint64_t{42}));
  m.correlation_id(proton::message_id(proton::binary(std::string("bin"))));
  const auto mapped = from_amqp(over_the_wire(m));
  ASSERT_TRUE(mapped) << mapped.error();
  EXPECT_EQ(mapped->system.get("messageId"), "42");
  EXPECT_EQ(mapped->system.get("cid"), "bin");
}

TEST(FromAmqp, EmptyFieldsAreAbsent) {
  proton::message m;
  m.id(proton::message_id(std::string()));
  m.to("");
  m.content_type("");
  const auto mapped = from_amqp(over_the_wire(m));
  ASSERT_TRUE(mapped) << mapped.error();
  EXPECT_TRUE(mapped->system.empty());
  EXPECT_EQ(mapped->body, "");
}

TEST(FromAmqp, MapsAnnotationsInAFixedOrder) {
  WireMessage wire;
  auto* a = wire.annotations();
  pn_data_put_map(a);
  pn_data_enter(a);
  put_wire_symbol(a, "iothub-enqueuedtime");
  pn_data_put_timestamp(a, k20261205);
  put_wire_symbol(a, "iothub-connection-module-id");
  put_wire_string(a, "A");
  put_wire_symbol(a, "x-opt-unknown");  // others are ignored, whatever their type
  pn_data_put_list(a);
  put_wire_symbol(a, "dt-subject");
  put_wire_string(a, "thermostat1");
  pn_data_put_ulong(a, 7);  // a reserved ulong key
  put_wire_string(a, "x");
  put_wire_symbol(a, "iothub-interface-id");
  put_wire_symbol(a, "dtmi:a;1");  // a symbol is text too
  put_wire_symbol(a, "iothub-connection-device-id");
  put_wire_string(a, "edge1");
  put_wire_symbol(a, "dt-subject");  // repeated: the last one wins
  put_wire_string(a, "thermostat2");
  pn_data_exit(a);
  const auto mapped = from_amqp(wire.decoded());
  ASSERT_TRUE(mapped) << mapped.error();
  const std::vector<Property> expected = {
      {"iothub-interface-id", "dtmi:a;1"},
      {"dt-subject", "thermostat2"},
      {"connectionDeviceId", "edge1"},
      {"connectionModuleId", "A"},
      {"enqueuedTime", "2026-12-05T14:00:00.000Z"},
  };
  EXPECT_EQ(std::vector<Property>(mapped->system.begin(), mapped->system.end()), expected);
}

TEST(FromAmqp, KeepsTheOrderOfApplicationPropertiesAsTheyArrived) {
  WireMessage wire;
  auto* p = wire.properties();
  pn_data_put_map(p);
  pn_data_enter(p);
  for (const char* key : {"zeta", "iothub-outputname", "alpha", "iothub-ack", "mid", "alpha"}) {
    put_wire_string(p, key);
    put_wire_string(p, std::string(key) + "-value");
  }
  pn_data_exit(p);
  const auto mapped = from_amqp(wire.decoded());
  ASSERT_TRUE(mapped) << mapped.error();
  // A repeated key keeps its first place and its last value.
  const std::vector<Property> application = {{"zeta", "zeta-value"}, {"alpha", "alpha-value"}, {"mid", "mid-value"}};
  EXPECT_EQ(std::vector<Property>(mapped->application.begin(), mapped->application.end()), application);
  const std::vector<Property> system = {{"outputName", "iothub-outputname-value"}, {"ack", "iothub-ack-value"}};
  EXPECT_EQ(std::vector<Property>(mapped->system.begin(), mapped->system.end()), system);
}

TEST(FromAmqp, MapsSystemApplicationProperties) {
  proton::message m;
  m.properties().put("iothub-outputname", std::string("output1"));
  m.properties().put("iothub-message-schema", std::string("schema"));
  m.properties().put("iothub-creation-time-utc", std::string("2026-12-05T14:00:00.0000000Z"));
  m.properties().put("iothub-operation", std::string("op"));
  m.properties().put("iothub-ack", std::string("full"));
  m.properties().put("IoThub-methodname", std::string("not a system property"));
  const auto mapped = from_amqp(over_the_wire(m));
  ASSERT_TRUE(mapped) << mapped.error();
  EXPECT_EQ(mapped->system.get("outputName"), "output1");
  EXPECT_EQ(mapped->system.get("messageSchema"), "schema");
  EXPECT_EQ(mapped->system.get("creationTime"), "2026-12-05T14:00:00.0000000Z");
  EXPECT_EQ(mapped->system.get("operation"), "op");
  EXPECT_EQ(mapped->system.get("ack"), "full");
  EXPECT_EQ(mapped->system.size(), 5u);
  EXPECT_EQ(mapped->application.get("IoThub-methodname"), "not a system property");
  EXPECT_EQ(mapped->application.size(), 1u);
}

TEST(FromAmqp, ScalarPropertyValuesBecomeText) {
  proton::message m;
  auto& p = m.properties();
  p.put("bool", true);
  p.put("ubyte", std::uint8_t{255});
  p.put("byte", std::int8_t{-128});
  p.put("ushort", std::uint16_t{65535});
  p.put("short", std::int16_t{-2});
  p.put("uint", std::uint32_t{4000000000u});
  p.put("int", std::int32_t{-7});
  p.put("ulong", std::uint64_t{18446744073709551615u});
  p.put("long", std::int64_t{-9223372036854775807 - 1});
  p.put("float", 1.5f);
  p.put("double", 0.1);
  p.put("char", wchar_t{0xe9});
  p.put("timestamp", proton::timestamp(k20261205));
  p.put("uuid", test_uuid());
  p.put("binary", proton::binary(std::string("b\0b", 3)));
  p.put("symbol", proton::symbol("sym"));
  p.put("string", std::string("text"));
  p.put("null", proton::scalar());
  const auto mapped = from_amqp(over_the_wire(m));
  ASSERT_TRUE(mapped) << mapped.error();
  const auto& a = mapped->application;
  EXPECT_EQ(a.get("bool"), "true");
  EXPECT_EQ(a.get("ubyte"), "255");
  EXPECT_EQ(a.get("byte"), "-128");
  EXPECT_EQ(a.get("ushort"), "65535");
  EXPECT_EQ(a.get("short"), "-2");
  EXPECT_EQ(a.get("uint"), "4000000000");
  EXPECT_EQ(a.get("int"), "-7");
  EXPECT_EQ(a.get("ulong"), "18446744073709551615");
  EXPECT_EQ(a.get("long"), "-9223372036854775808");
  EXPECT_EQ(a.get("float"), "1.5");
  EXPECT_EQ(a.get("double"), "0.1");
  EXPECT_EQ(a.get("char"), "\xC3\xA9");
  EXPECT_EQ(a.get("timestamp"), "2026-12-05T14:00:00.000Z");
  EXPECT_EQ(a.get("uuid"), "01234567-89ab-cdef-1032-547698badcfe");
  EXPECT_EQ(a.get("binary"), std::string("b\0b", 3));
  EXPECT_EQ(a.get("symbol"), "sym");
  EXPECT_EQ(a.get("string"), "text");
  ASSERT_TRUE(a.contains("null"));
  EXPECT_EQ(a.find("null")->value, std::nullopt);
  EXPECT_EQ(a.size(), 18u);
}

TEST(FromAmqp, RefusesPropertiesWithoutText) {
  {
    WireMessage wire;
    auto* p = wire.properties();
    pn_data_put_map(p);
    pn_data_enter(p);
    put_wire_string(p, "ok");
    put_wire_string(p, "fine");
    put_wire_string(p, "nested");
    pn_data_put_list(p);
    pn_data_exit(p);
    const auto mapped = from_amqp(wire.decoded());
    ASSERT_FALSE(mapped);
    EXPECT_EQ(mapped.error(), "application property 'nested': an AMQP list (expected a scalar)");
  }
  {
    WireMessage wire;
    auto* p = wire.properties();
    pn_data_put_map(p);
    pn_data_enter(p);
    put_wire_string(p, "m");
    pn_data_put_map(p);
    pn_data_exit(p);
    const auto mapped = from_amqp(wire.decoded());
    ASSERT_FALSE(mapped);
    EXPECT_EQ(mapped.error(), "application property 'm': an AMQP map (expected a scalar)");
  }
  {
    WireMessage wire;
    auto* p = wire.properties();
    pn_data_put_map(p);
    pn_data_enter(p);
    pn_data_put_int(p, 5);
    put_wire_string(p, "x");
    pn_data_exit(p);
    const auto mapped = from_amqp(wire.decoded());
    ASSERT_FALSE(mapped);
    EXPECT_EQ(mapped.error(), "application-properties: a key of type int (keys are strings)");
  }
  {
    proton::message m;
    m.properties().put("price", proton::decimal64());
    const auto mapped = from_amqp(over_the_wire(m));
    ASSERT_FALSE(mapped);
    EXPECT_EQ(mapped.error(), "application property 'price': an AMQP decimal64 has no text");
  }
}

TEST(FromAmqp, RefusesAnnotationsOfTheWrongType) {
  {
    proton::message m;
    m.message_annotations().put(proton::annotation_key(proton::symbol("dt-subject")), std::int32_t{3});
    const auto mapped = from_amqp(over_the_wire(m));
    ASSERT_FALSE(mapped);
    EXPECT_EQ(mapped.error(), "annotation 'dt-subject': an AMQP int, not a string");
  }
  {
    proton::message m;
    m.message_annotations().put(proton::annotation_key(proton::symbol("iothub-enqueuedtime")),
                                std::string("2026-12-05T14:00:00.000Z"));
    const auto mapped = from_amqp(over_the_wire(m));
    ASSERT_FALSE(mapped);
    EXPECT_EQ(mapped.error(), "annotation 'iothub-enqueuedtime': an AMQP string, not a timestamp");
  }
  {
    // Null is as good as absent.
    proton::message m;
    m.message_annotations().put(proton::annotation_key(proton::symbol("dt-subject")), proton::value());
    const auto mapped = from_amqp(over_the_wire(m));
    ASSERT_TRUE(mapped) << mapped.error();
    EXPECT_FALSE(mapped->system.contains("dt-subject"));
  }
}

TEST(FromAmqp, Bodies) {
  {
    proton::message m;
    m.body(proton::binary(std::string("\x00\xff", 2)));
    m.inferred(true);  // a data section
    const auto mapped = from_amqp(over_the_wire(m));
    ASSERT_TRUE(mapped) << mapped.error();
    EXPECT_EQ(mapped->body, std::string("\x00\xff", 2));
  }
  {
    proton::message m;
    m.body(std::string("text"));  // an amqp-value string
    const auto mapped = from_amqp(over_the_wire(m));
    ASSERT_TRUE(mapped) << mapped.error();
    EXPECT_EQ(mapped->body, "text");
  }
  {
    proton::message m;  // no body at all
    const auto mapped = from_amqp(over_the_wire(m));
    ASSERT_TRUE(mapped) << mapped.error();
    EXPECT_EQ(mapped->body, "");
  }
  {
    proton::message m;
    m.body(std::int32_t{5});
    const auto mapped = from_amqp(over_the_wire(m));
    ASSERT_FALSE(mapped);
    EXPECT_EQ(mapped.error(), "body: an AMQP int (expected a data section or a string)");
  }
  {
    WireMessage wire;  // an amqp-sequence section
    pn_message_set_inferred(wire.get(), true);
    pn_data_put_list(wire.body());
    pn_data_enter(wire.body());
    pn_data_put_int(wire.body(), 1);
    pn_data_exit(wire.body());
    const auto mapped = from_amqp(wire.decoded());
    ASSERT_FALSE(mapped);
    EXPECT_NE(mapped.error().find("body: an AMQP list"), std::string::npos) << mapped.error();
  }
}

// --- to AMQP ---------------------------------------------------------------------------------

Message full_message() {
  Message m;
  m.body = std::string("{\"t\":1}\0", 8);
  m.system.append("messageId", "01234567-89ab-cdef-1032-547698badcfe");
  m.system.append("cid", "corr-1");
  m.system.append("to", "/devices/d/messages/devicebound");
  m.system.append("userId", "user");
  m.system.append("contentType", "application/json");
  m.system.append("contentEncoding", "utf-8");
  m.system.append("absolute-expiry-time", "2026-12-05T14:00:00.000Z");
  m.system.append("creationTime", "2026-12-05T13:00:00.000Z");
  m.system.append("messageSchema", "schema");
  m.system.append("outputName", "output1");
  m.system.append("iothub-interface-id", "dtmi:a;1");
  m.system.append("dt-subject", "thermostat1");
  m.system.append("operation", "op");
  m.system.append("ack", "full");
  m.system.append("connectionDeviceId", "edge1");
  m.system.append("connectionModuleId", "A");
  m.system.append("enqueuedTime", "2026-12-05T14:00:00.000Z");
  m.application.append("temp", "21.5");
  m.application.append("flag", std::nullopt);
  m.application.append("", "empty name");
  return m;
}

TEST(ToAmqp, PutsEveryPropertyWhereIotHubDoes) {
  proton::message out;
  to_amqp(full_message(), out, "input1");
  const auto m = over_the_wire(out);
  // Ids leave as strings, even one that looks like a uuid.
  EXPECT_EQ(m.id().type(), proton::STRING);
  EXPECT_EQ(proton::get<std::string>(m.id()), "01234567-89ab-cdef-1032-547698badcfe");
  EXPECT_EQ(m.correlation_id().type(), proton::STRING);
  EXPECT_EQ(proton::get<std::string>(m.correlation_id()), "corr-1");
  EXPECT_EQ(m.to(), "/devices/d/messages/devicebound");
  EXPECT_EQ(m.user(), "user");
  EXPECT_EQ(m.content_type(), "application/json");
  EXPECT_EQ(m.content_encoding(), "utf-8");
  EXPECT_EQ(m.expiry_time().milliseconds(), k20261205);
  // The body is a data section.
  EXPECT_TRUE(m.inferred());
  ASSERT_EQ(m.body().type(), proton::BINARY);
  EXPECT_EQ(proton::get<proton::binary>(m.body()), proton::binary(std::string("{\"t\":1}\0", 8)));

  EXPECT_EQ(annotation_of(m, "x-opt-input-name"), proton::scalar(std::string("input1")));
  EXPECT_EQ(annotation_of(m, "iothub-interface-id"), proton::scalar(std::string("dtmi:a;1")));
  EXPECT_EQ(annotation_of(m, "dt-subject"), proton::scalar(std::string("thermostat1")));
  EXPECT_EQ(annotation_of(m, "iothub-connection-device-id"), proton::scalar(std::string("edge1")));
  EXPECT_EQ(annotation_of(m, "iothub-connection-module-id"), proton::scalar(std::string("A")));
  EXPECT_EQ(annotation_of(m, "iothub-enqueuedtime"), proton::scalar(proton::timestamp(k20261205)));
  EXPECT_EQ(m.message_annotations().size(), 6u);

  const auto& p = m.properties();
  EXPECT_EQ(p.get("iothub-creation-time-utc"), proton::scalar(std::string("2026-12-05T13:00:00.000Z")));
  EXPECT_EQ(p.get("iothub-message-schema"), proton::scalar(std::string("schema")));
  EXPECT_EQ(p.get("iothub-outputname"), proton::scalar(std::string("output1")));
  EXPECT_EQ(p.get("iothub-operation"), proton::scalar(std::string("op")));
  EXPECT_EQ(p.get("iothub-ack"), proton::scalar(std::string("full")));
  EXPECT_EQ(p.get("temp"), proton::scalar(std::string("21.5")));
  EXPECT_TRUE(p.exists("flag"));
  EXPECT_EQ(p.get("flag").type(), proton::NULL_TYPE);
  EXPECT_EQ(p.get(""), proton::scalar(std::string("empty name")));
  EXPECT_EQ(p.size(), 8u);
}

TEST(ToAmqp, RoundTripsThroughFromAmqp) {
  const auto original = full_message();
  proton::message out;
  to_amqp(original, out);
  const auto back = from_amqp(over_the_wire(out));
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->body, original.body);
  // Proton sends application properties in key order, so only the sets compare.
  EXPECT_EQ(sorted_properties(back->system), sorted_properties(original.system));
  EXPECT_EQ(sorted_properties(back->application), sorted_properties(original.application));
}

TEST(ToAmqp, KeepsEveryPropertyOfAnMqttMessage) {
  // What the Node SDK sends over MQTT (sdk-wire-facts.md), on to an AMQP client and back.
  Message mqtt;
  ASSERT_TRUE(decode_property_bag(
      "%24.on=output1&%24.mid=msg-1-0&%24.cid=corr-0&%24.ct=application%2Fjson&%24.ce=utf-8"
      "&%24.exp=2026-12-05T14%3A00%3A00.000Z&%24.ctime=2026-12-05T13%3A00%3A00.000Z&%24.uid=u"
      "&%24.ifid=urn%3Aa&%24.sub=thermostat1&%24.cdid=edge1&%24.cmid=A&iothub-operation=x&ack=full"
      "&seq=0&custom%20prop=a%20b%26c%3Dd%2F%C3%A9&bare",
      mqtt));
  mqtt.body = "payload";
  proton::message out;
  to_amqp(mqtt, out);
  const auto back = from_amqp(over_the_wire(out));
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(sorted_properties(back->system), sorted_properties(mqtt.system));
  EXPECT_EQ(sorted_properties(back->application), sorted_properties(mqtt.application));
  EXPECT_EQ(back->body, "payload");
}

TEST(ToAmqp, LeavesOutWhatHasNoAmqpPlace) {
  Message m;
  m.system.append("absolute-expiry-time", "tomorrow");  // not ISO 8601: no timestamp to give
  m.system.append("enqueuedTime", "later");
  m.system.append("edgeMessageId", "e-1");              // edgeHub's own
  m.system.append("messageId", std::nullopt);           // a bare $.mid: nothing to send
  m.system.append("dt-subject", std::nullopt);
  m.system.append("outputName", "real");
  m.application.append("iothub-outputname", "shadow");  // IoT Hub's name: the system property's
  proton::message out;
  to_amqp(m, out);
  const auto wire = over_the_wire(out);
  EXPECT_EQ(wire.expiry_time().milliseconds(), 0);
  EXPECT_EQ(wire.id().type(), proton::NULL_TYPE);
  EXPECT_TRUE(wire.message_annotations().empty());
  EXPECT_EQ(wire.properties().size(), 1u);
  EXPECT_EQ(wire.properties().get("iothub-outputname"), proton::scalar(std::string("real")));
}

TEST(ToAmqp, ReplacesWhatTheMessageHeld) {
  proton::message out;
  out.subject("old");
  out.properties().put("old", std::string("x"));
  Message m;
  m.body = "new";
  to_amqp(m, out);
  EXPECT_EQ(out.subject(), "");
  EXPECT_TRUE(out.properties().empty());
  EXPECT_EQ(proton::get<proton::binary>(out.body()), proton::binary(std::string("new")));
}

// --- time ------------------------------------------------------------------------------------

TEST(Iso8601, FormatsMilliseconds) {
  EXPECT_EQ(iso8601_from_millis(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso8601_from_millis(k20261205), "2026-12-05T14:00:00.000Z");
  EXPECT_EQ(iso8601_from_millis(1709251199999), "2024-02-29T23:59:59.999Z");
  EXPECT_EQ(iso8601_from_millis(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(iso8601_from_millis(-2203891200000), "1900-03-01T00:00:00.000Z");
  // Clamped to what has a four-digit year.
  EXPECT_EQ(iso8601_from_millis(-62135596800000), "0001-01-01T00:00:00.000Z");
  EXPECT_EQ(iso8601_from_millis(INT64_MIN), "0001-01-01T00:00:00.000Z");
  EXPECT_EQ(iso8601_from_millis(INT64_MAX), "9999-12-31T23:59:59.999Z");
}

TEST(Iso8601, ReadsWhatTheSdksWrite) {
  EXPECT_EQ(millis_from_iso8601("2026-12-05T14:00:00.000Z"), k20261205);                  // JavaScript
  EXPECT_EQ(millis_from_iso8601("2026-12-05T14:00:00.0000000Z"), k20261205);              // .NET "o"
  EXPECT_EQ(millis_from_iso8601("2026-12-05T14:00:00Z"), k20261205);
  EXPECT_EQ(millis_from_iso8601("2026-12-05T14:00:00"), k20261205);                       // no zone: UTC
  EXPECT_EQ(millis_from_iso8601("2026-12-05t14:00:00z"), k20261205);
  EXPECT_EQ(millis_from_iso8601("2026-12-05T16:30:00+02:30"), k20261205);
  EXPECT_EQ(millis_from_iso8601("2026-12-05T13:00:00-01:00"), k20261205);
  EXPECT_EQ(millis_from_iso8601("2026-12-05T14:00:00.1239999Z"), k20261205 + 123);       // truncated
  EXPECT_EQ(millis_from_iso8601("2026-12-05T14:00:00.5Z"), k20261205 + 500);
  EXPECT_EQ(millis_from_iso8601("2024-02-29T23:59:59.999Z"), 1709251199999);
  EXPECT_EQ(millis_from_iso8601("2000-02-29T00:00:00Z"), 951782400000);
  EXPECT_EQ(millis_from_iso8601("0001-01-01T00:00:00Z"), -62135596800000);
}

TEST(Iso8601, RefusesWhatIsNotATime) {
  for (const char* text : {"", "tomorrow", "2026-12-05", "2026-12-05T14:00", "2026-12-05 14:00:00Z",
                           "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-02-29T00:00:00Z",
                           "1900-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-12-00T00:00:00Z",
                           "2026-12-05T24:00:00Z", "2026-12-05T14:60:00Z", "2026-12-05T14:00:60Z",
                           "2026-12-05T14:00:00.Z", "2026-12-05T14:00:00ZZ", "2026-12-05T14:00:00+2",
                           "2026-12-05T14:00:00+02:60", "2026-12-05T14:00:00+0200", "+2026-12-05T14:00:00Z",
                           "26-12-05T14:00:00Z", "2026-1-05T14:00:00Z", "2026-12-05T14:00:00 "}) {
    EXPECT_EQ(millis_from_iso8601(text), std::nullopt) << text;
  }
}

TEST(Iso8601, EveryTimestampReadsBack) {
  for (std::int64_t millis = -62135596800000; millis < 253402300799999; millis += 997'000'013'537) {
    const auto text = iso8601_from_millis(millis);
    EXPECT_EQ(millis_from_iso8601(text), millis) << text;
  }
  EXPECT_EQ(millis_from_iso8601(iso8601_from_millis(253402300799999)), 253402300799999);
}

}  // namespace
}  // namespace outpost::amqp

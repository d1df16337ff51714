// IoT Hub's mapping between an AMQP message and the hub's Message (system properties by
// edgeHub's internal names, application properties), both ways, so that a message sent over
// AMQP and received over MQTT (or the reverse) keeps every property (hub-protocol.md §5,
// "Message mapping"; docs/HUB.md, "AMQP").
//
//   properties:    message-id → messageId, correlation-id → cid, to, user-id → userId,
//                  content-type → contentType, content-encoding → contentEncoding,
//                  absolute-expiry-time (timestamp) ↔ absolute-expiry-time (ISO 8601, as $.exp)
//   annotations:   iothub-interface-id, dt-subject, iothub-connection-device-id → connectionDeviceId,
//                  iothub-connection-module-id → connectionModuleId, iothub-enqueuedtime (timestamp)
//                  → enqueuedTime (ISO 8601); x-opt-input-name carries the input on delivery
//   app properties: iothub-outputname → outputName, iothub-message-schema → messageSchema,
//                  iothub-creation-time-utc → creationTime, iothub-operation → operation,
//                  iothub-ack → ack; every other one is an application property.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <proton/message.hpp>
#include <proton/message_id.hpp>
#include <proton/scalar.hpp>

#include "outpost/core/message.h"
#include "outpost/core/result.h"

namespace outpost::amqp {

// What a client sent. The body is a data section (binary) or an AMQP string value; ids of any
// AMQP id type become strings (id_to_string); application property values that are scalars
// become their text (numbers in decimal, booleans true/false, null stays null). An error names
// the property or section that cannot be mapped (a map or list as a property value, a
// non-string annotation that must be a string, a body of another type). An absent body is an
// empty one; empty ids and strings in the properties section count as absent. System
// properties come from the properties section and the annotations in a fixed order, then from
// application properties in the order they arrived.
Result<Message> from_amqp(const proton::message& in);

// What a client receives: every property the mapping knows goes where IoT Hub puts it; the
// body is a data section. `input_name` (a module input) becomes the x-opt-input-name annotation.
// `out` is cleared first. Proton keeps application properties in a std::map, so they leave in
// key order, not in the Message's order. An absolute-expiry-time that is not ISO 8601 is left
// out (there is no timestamp to give); system properties with no AMQP place are dropped.
void to_amqp(const Message& in, proton::message& out, std::string_view input_name = {});

// A message or correlation id as text: a string as it is, a uuid in canonical lower-case form,
// an unsigned long in decimal, binary as its bytes.
std::string id_to_string(const proton::message_id& id);

// A message body as bytes: a data section or a string value (anything else: empty).
std::string body_bytes(const proton::message& m);
// `payload` as the body, in a data section (what the SDKs send and expect).
void set_data_body(proton::message& m, std::string_view payload);

// Timestamps (milliseconds since the epoch) and ISO 8601 UTC ("2026-12-05T14:00:00.000Z"):
// nullopt when the text is not such a time. Times outside 0001-01-01..9999-12-31 are clamped
// to that range (.NET's DateTime), so every timestamp has a four-digit-year text that reads
// back. Read: "YYYY-MM-DDThh:mm:ss[.f+][Z|±hh:mm]" (no zone: UTC; digits past milliseconds
// are dropped), as the SDKs write $.exp.
std::string iso8601_from_millis(std::int64_t millis);
std::optional<std::int64_t> millis_from_iso8601(std::string_view text);

// A message's application properties in the order they arrived, keys (string or symbol) as
// text. Proton's own map accessors sort them and throw on a key of another type; the error
// here names a key that is not a string or a value that is not a scalar (a list, a map).
using ApplicationProperties = std::vector<std::pair<std::string, proton::scalar>>;
Result<ApplicationProperties> application_properties_of(const proton::message& in);

}  // namespace outpost::amqp

// What Proton's C++ API leaves out and its C API has: a link's
// max-message-size, a rejection with an error condition, and the deliveries still arriving.
// The C++ objects hide their C handles; these reach them. Also our delivery tags, which the
// C++ API carries only as bytes.
#pragma once
#include <cstdint>
#include <cstddef>
#include <optional>
#include <string>

#include <proton/binary.hpp>
#include <proton/connection.hpp>
#include <proton/delivery.hpp>
#include <proton/receiver.hpp>
#include <proton/transfer.hpp>

namespace outpost::amqp {

// Our own delivery tags: a number as its 8 bytes (only the side that sent it reads it back).
proton::binary delivery_tag(std::uint64_t number);
std::optional<std::uint64_t> delivery_tag_number(const proton::binary& tag);

// Advertised on attach (AMQP 1.0 §2.7.3): a larger message is a message-size-exceeded link error.
void set_max_message_size(const proton::link& link, std::uint64_t bytes);
// Rejects and settles `delivery` with an error condition the client reads (the SDKs map
// amqp:link:message-size-exceeded, amqp:resource-limit-exceeded… to their own errors).
void reject_with(proton::delivery& delivery, const std::string& condition, const std::string& description);

// The error condition the peer rejected `transfer` with ("name: description"; "" for none).
std::string rejection_condition(const proton::transfer& transfer);

// A message over `max_bytes` (the link's max-message-size) is dropped as it arrives, so what
// Proton buffers stays bounded, and rejected with amqp:link:message-size-exceeded once its
// last frame came; the link goes on. `dropping`: the link's own flag, kept between calls.
// Bytes Proton holds of the message still arriving on `receiver` (0: none unfinished).
std::size_t unfinished_bytes(const proton::receiver& receiver);
enum class OversizedDelivery { none, arriving, rejected };
OversizedDelivery drop_oversized_delivery(const proton::receiver& receiver, std::size_t max_bytes, bool& dropping);

}  // namespace outpost::amqp

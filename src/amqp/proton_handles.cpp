#include "proton_handles.h"

#include <array>
#include <cstring>

#include <proton/condition.h>
#include <proton/delivery.h>
#include <proton/disposition.h>
#include <proton/link.h>

namespace outpost::amqp {

proton::binary delivery_tag(std::uint64_t number) {
  proton::binary bytes(sizeof number, 0);
  std::memcpy(bytes.data(), &number, sizeof number);
  return bytes;
}

std::optional<std::uint64_t> delivery_tag_number(const proton::binary& tag) {
  if (tag.size() != sizeof(std::uint64_t)) return std::nullopt;
  std::uint64_t number = 0;
  std::memcpy(&number, tag.data(), sizeof number);
  return number;
}
namespace {

// pn_object() is protected in every wrapper: a subclass reads it.
template <typename Wrapper>
struct Handle : Wrapper {
  explicit Handle(const Wrapper& w) : Wrapper(w) {}
  auto get() const { return this->pn_object(); }
};
template <typename Wrapper>
auto handle_of(const Wrapper& w) {
  return Handle<Wrapper>(w).get();
}

}  // namespace

void set_max_message_size(const proton::link& link, std::uint64_t bytes) {
  pn_link_set_max_message_size(handle_of(link), bytes);
}

void reject_with(proton::delivery& delivery, const std::string& condition, const std::string& description) {
  auto* raw = handle_of(delivery);
  auto* error = pn_disposition_condition(pn_delivery_local(raw));
  pn_condition_set_name(error, condition.c_str());
  pn_condition_set_description(error, description.c_str());
  pn_delivery_update(raw, PN_REJECTED);
  pn_delivery_settle(raw);
}

std::string rejection_condition(const proton::transfer& transfer) {
  auto* error = pn_disposition_condition(pn_delivery_remote(handle_of(transfer)));
  if (!pn_condition_is_set(error)) return {};
  std::string text = pn_condition_get_name(error);
  if (const char* description = pn_condition_get_description(error)) text += std::string(": ") + description;
  return text;
}

std::size_t unfinished_bytes(const proton::receiver& receiver) {
  pn_delivery_t* d = pn_link_current(handle_of(receiver));
  return d && pn_delivery_partial(d) ? pn_delivery_pending(d) : 0;
}

OversizedDelivery drop_oversized_delivery(const proton::receiver& receiver, std::size_t max_bytes, bool& dropping) {
  pn_link_t* link = handle_of(receiver);
  // Only the link's current delivery can be read; one behind it waits its turn (Proton's
  // incoming window bounds what it buffers meanwhile).
  pn_delivery_t* d = pn_link_current(link);
  if (!d || pn_delivery_aborted(d)) {  // an aborted one Proton's C++ layer settles
    dropping = false;
    return OversizedDelivery::none;
  }
  if (!dropping) {
    if (!pn_delivery_partial(d) || pn_delivery_pending(d) <= max_bytes) return OversizedDelivery::none;
    dropping = true;
  }
  std::array<char, 16 * 1024> scratch;
  while (pn_link_recv(link, scratch.data(), scratch.size()) > 0) {
  }
  if (pn_delivery_partial(d)) return OversizedDelivery::arriving;
  // Complete: rejected and passed over here, so Proton's C++ layer never decodes the rest.
  dropping = false;
  const auto description = "a message over the link's max-message-size of " + std::to_string(max_bytes) + " bytes";
  auto* error = pn_disposition_condition(pn_delivery_local(d));
  pn_condition_set_name(error, "amqp:link:message-size-exceeded");
  pn_condition_set_description(error, description.c_str());
  pn_delivery_update(d, PN_REJECTED);
  pn_link_advance(link);
  pn_delivery_settle(d);
  return OversizedDelivery::rejected;
}

}  // namespace outpost::amqp

// Carries "this message is durable" from the store's sync thread to the event loop, one
// loop wake-up per group commit (net::Inbox), not one per message.
#pragma once
#include <memory>

#include "outpost/mqtt/server.h"
#include "outpost/net/inbox.h"

namespace outpost::hub {

struct DurableAck {
  std::weak_ptr<mqtt::Connection> sender;
  mqtt::PublishTicket ticket;
  bool ok;
};

using DurableAcks = net::Inbox<DurableAck>;

}  // namespace outpost::hub

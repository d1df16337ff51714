// Carries "this message is durable" from the store's sync thread to the event loop. The sync
// thread only queues (net::InboxWake::by_owner); the loop polls every kDurableAckPoll while
// publishes await durability. Waking the loop from the sync thread instead cost module ->
// module latency on small machines: a cross-CPU wake-up per group commit, which also pulls
// the loop's thread away from the CPU its clients run on (docs/PERFORMANCE.md).
#pragma once
#include <chrono>
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

// About a third of an fdatasync here: a PUBACK waits ~50 µs longer on average (one
// publisher sending one message at a time: 3,200 instead of 3,300 msg/s, measured).
inline constexpr std::chrono::microseconds kDurableAckPoll{100};

}  // namespace outpost::hub

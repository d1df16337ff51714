// Carries "this message is durable" from the store's sync thread to the event loop. One
// group commit completes many messages at once; posting one task per message would wake
// the loop thread once per message, so completions are queued and drained in one post.
#pragma once
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "outpost/mqtt/server.h"
#include "outpost/net/event_loop.h"

namespace outpost::hub {

struct DurableAck {
  std::weak_ptr<mqtt::Connection> sender;
  mqtt::PublishTicket ticket;
  bool ok;
};

class DurableAcks {
 public:
  using Deliver = std::function<void(const DurableAck&)>;
  // `deliver` runs on the loop thread, in completion order.
  DurableAcks(net::EventLoop& loop, Deliver deliver);
  ~DurableAcks();
  void push(DurableAck ack);  // any thread

 private:
  void drain();
  struct Shared {
    std::mutex mutex;
    std::vector<DurableAck> pending;
    bool scheduled = false;
    bool alive = true;
  };
  net::EventLoop& loop_;
  Deliver deliver_;
  std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
  std::vector<DurableAck> draining_;
};

}  // namespace outpost::hub

#include "hub/durable_acks.h"

namespace outpost::hub {

DurableAcks::DurableAcks(net::EventLoop& loop, Deliver deliver) : loop_(loop), deliver_(std::move(deliver)) {}

DurableAcks::~DurableAcks() {
  std::lock_guard lock(shared_->mutex);
  shared_->alive = false;
}

void DurableAcks::push(DurableAck ack) {
  std::lock_guard lock(shared_->mutex);
  shared_->pending.push_back(std::move(ack));
  if (shared_->scheduled || !shared_->alive) return;
  shared_->scheduled = true;
  loop_.post([this, shared = shared_] {
    {
      std::lock_guard lock(shared->mutex);
      if (!shared->alive) return;
    }
    drain();
  });
}

void DurableAcks::drain() {
  {
    std::lock_guard lock(shared_->mutex);
    draining_.swap(shared_->pending);
    shared_->scheduled = false;
  }
  for (const auto& ack : draining_) deliver_(ack);
  draining_.clear();
}

}  // namespace outpost::hub

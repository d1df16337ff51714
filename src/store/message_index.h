// Every live message: where its record is and how many queue entries still hold it. When
// the count reaches zero the message is dead, its bytes in the segment are garbage, and the
// segment's live-byte count (which drives deletion and compaction) goes down.
#pragma once
#include <cstdint>
#include <deque>
#include <optional>

#include "sorted_seq_deque.h"
#include "store_types.h"

namespace outpost::store {

struct MessageSlot {
  Sequence seq = 0;
  RecordLocation where;
  std::uint32_t refs = 0;  // queue entries still holding the message

  bool dead() const { return refs == 0; }
  void kill() { refs = 0; }
};

class MessageIndex {
 public:
  void push_back(const MessageSlot& slot) { slots_.push_back(slot); }
  void assign(std::deque<MessageSlot> sorted) { slots_.assign(std::move(sorted)); }

  MessageSlot* find(Sequence seq) { return slots_.find(seq); }

  // Drops one reference; returns the slot's last state when that was the last one.
  std::optional<MessageSlot> release(Sequence seq) {
    MessageSlot* slot = slots_.find(seq);
    if (slot == nullptr) return std::nullopt;
    if (--slot->refs > 0) return std::nullopt;
    const MessageSlot last = *slot;
    slot->refs = 1;  // erase() wants a live entry; it kills it
    slots_.erase(seq);
    return last;
  }

  // Live slots in sequence order.
  template <typename F>
  void for_each(F&& f) const {
    for (const auto& slot : slots_)
      if (!slot.dead()) f(slot);
  }

  std::size_t size() const { return slots_.live(); }

 private:
  SortedSeqDeque<MessageSlot> slots_;
};

}  // namespace outpost::store

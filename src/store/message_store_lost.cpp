// After a failed write: the records it carried never reached the file (Segment::take_lost
// hands them back). Their callbacks get false (SyncThread); here the store forgets what
// they said. A lost MESSAGE leaves every queue — its sender was never told it was stored
// and sends it again — and a lost ACK is buffered again, to be written in the next segment.
#include <spdlog/spdlog.h>

#include "message_store_impl.h"
#include "record_codec.h"
#include "segment_format.h"

namespace outpost::store {

void MessageStoreImpl::on_lost_write() {
  std::function<void()> notify;
  {
    std::lock_guard lock(mutex_);
    handle_lost_writes_locked();
    notify = take_space_notification_locked();
  }
  if (notify) notify();
}

void MessageStoreImpl::handle_lost_writes_locked() {
  std::vector<SegmentPtr> broken;
  segments_.for_each([&](const SegmentPtr& segment, const SegmentUsage&) {
    if (segment->broken()) broken.push_back(segment);
  });
  for (const auto& segment : broken) {
    auto lost = segments_.take_lost(segment);
    if (!lost) continue;  // handled already
    std::uint64_t messages = 0, acks = 0;
    for_each_frame(lost->bytes, [&](RecordType type, std::string_view payload) {
      if (type == RecordType::message) {
        const auto head = decode_message_head(payload);
        const auto* slot = head ? messages_.find(head->seq) : nullptr;
        // Unless it moved meanwhile (a compaction copy that failed goes back to its original).
        if (slot == nullptr || slot->where.segment != segment->id() || slot->where.offset < lost->offset)
          return;
        drop_message_locked(head->seq);
        ++messages;
      } else if (type == RecordType::ack) {
        const auto ack = decode_ack(payload);
        if (!ack) return;
        auto& again = ack->reason == AckReason::expired ? pending_expired_ : pending_delivered_;
        again.insert(again.end(), ack->entries.begin(), ack->entries.end());
        acks += ack->entries.size();
      }
    });
    spdlog::error("store: segment {}: {} bytes from offset {} never reached the file; {} messages "
                  "in them dropped (reported failed), {} acks buffered again",
                  to_int(segment->id()), lost->bytes.size(), lost->offset, messages, acks);
  }
  if (!pending_delivered_.empty() || !pending_expired_.empty()) sync_->request_background_work();
}

}  // namespace outpost::store

// Giving disk space back: deleting dead segments, copy-forward compaction, the byte cap
// and the on_space_available notification. Why only the oldest segment is ever deleted,
// and why copies are fsynced before their originals go: README.md, "Deleting segments".
#include <spdlog/spdlog.h>

#include "message_store_impl.h"
#include "record_codec.h"
#include "segment_format.h"

namespace outpost::store {

void MessageStoreImpl::background_work() {
  std::function<void()> notify;
  bool more = false;
  {
    std::lock_guard lock(mutex_);
    write_pending_acks_locked(append_limit());
    delete_dead_prefix_locked();
    more = compact_step_locked();
    if (more) delete_dead_prefix_locked();
    notify = take_space_notification_locked();
  }
  if (more) sync_->request_background_work();  // one segment per step: fsyncs go in between
  if (notify) notify();
}

// Appends and acks may fill the cap up to one segment short of it: that last segment's
// worth is what compaction copies into, so a full store can always compact.
std::uint64_t MessageStoreImpl::append_limit() const {
  if (options_.max_bytes == 0) return UINT64_MAX;
  return options_.max_bytes - segment_bytes_;
}

// What a new message may still take: acks waiting to be written come first, so that
// appends filling the folder can never starve them.
std::uint64_t MessageStoreImpl::room_for_messages_locked() const {
  constexpr std::uint64_t kAckEntryBytes = 12, kAckRecordBytes = 9 + 5;
  const std::uint64_t waiting = pending_delivered_.size() + pending_expired_.size();
  const std::uint64_t for_acks = waiting * kAckEntryBytes + (waiting > 0 ? 2 * kAckRecordBytes : 0);
  const std::uint64_t used = segments_.total_bytes() + for_acks;
  const std::uint64_t limit = append_limit();
  return used >= limit ? 0 : limit - used;
}

bool MessageStoreImpl::under_pressure_locked() const {
  return options_.max_bytes != 0 &&
         (full_reported_ || segments_.total_bytes() + segment_bytes_ > append_limit());
}

bool MessageStoreImpl::copy_fits_locked(std::uint64_t bytes) const {
  return options_.max_bytes == 0 ||
         segments_.total_bytes() + bytes + appender_.new_segment_bytes() <= options_.max_bytes;
}

void MessageStoreImpl::delete_dead_prefix_locked() {
  while (const auto oldest = segments_.oldest_sealed()) {
    if (segments_.usage(*oldest)->live_messages != 0) break;
    const auto bytes = segments_.find(*oldest)->size();
    if (auto removed = segments_.remove(*oldest); !removed) {
      spdlog::error("store: {}", removed.error());
      break;
    }
    ++counters_.deleted_segments;
    spdlog::debug("store: deleted consumed segment {} ({} bytes)", to_int(*oldest), bytes);
  }
}

void MessageStoreImpl::make_room_locked(std::size_t frame_bytes) {
  delete_dead_prefix_locked();
  // At most two synchronous compactions, each only if it frees enough for this append;
  // anything longer is left to the background, and the append gets `full` meanwhile.
  for (int round = 0; round < 2; ++round) {
    const auto needed = appender_.bytes_needed(frame_bytes);
    if (needed <= room_for_messages_locked()) return;
    const auto oldest = segments_.oldest_sealed();
    if (!oldest) return;
    // Compacting the oldest frees its dead bytes, and the dead segments right behind it
    // then become the oldest and go too.
    std::uint64_t gain = 0;
    bool first = true, counting = true;
    segments_.for_each([&](const SegmentPtr& segment, const SegmentUsage& usage) {
      if (!counting || segment == segments_.active()) return;
      if (first) {
        gain = segment->size() - usage.live_bytes;
        first = false;
      } else if (usage.live_messages == 0) {
        gain += segment->size();
      } else {
        counting = false;
      }
    });
    const auto live = segments_.usage(*oldest)->live_bytes;
    if (gain < needed + appender_.new_segment_bytes() || !copy_fits_locked(live)) return;
    if (auto compacted = compact_locked(*oldest); !compacted) {
      spdlog::error("store: compaction failed: {}", compacted.error());
      return;
    }
    delete_dead_prefix_locked();
  }
}

bool MessageStoreImpl::compact_step_locked() {
  const bool pressure = under_pressure_locked();
  const auto oldest = segments_.oldest_sealed();
  if (!oldest) {
    // Everything is in the active segment. Under pressure, seal it so that its garbage can
    // be compacted away at the next step.
    const auto& active = segments_.active();
    const auto* usage = segments_.usage(active->id());
    if (pressure && usage->live_messages > 0 &&
        (active->size() - usage->live_bytes) * 4 >= segment_bytes_ &&
        copy_fits_locked(0)) {
      if (auto rolled = appender_.roll(next_seq_); !rolled) {
        spdlog::error("store: {}", rolled.error());
        return false;
      }
      sync_->note_write(segments_.active());
      return true;
    }
    return false;
  }
  const auto size = segments_.find(*oldest)->size();
  const auto live = segments_.usage(*oldest)->live_bytes;
  // Mostly garbage: copy the few live messages forward rather than let them pin the file.
  bool worthwhile = live * 2 <= size;
  if (!worthwhile && pressure) {
    // Under the cap, rotate the oldest to the head so the garbage behind it reaches the
    // front — if at least a quarter of the sealed bytes are garbage (else it would churn).
    std::uint64_t sealed = 0, dead = 0;
    segments_.for_each([&](const SegmentPtr& segment, const SegmentUsage& usage) {
      if (segment == segments_.active()) return;
      sealed += segment->size();
      dead += segment->size() - usage.live_bytes;
    });
    worthwhile = dead * 4 >= sealed && dead >= segment_bytes_ / 4;
  }
  if (!worthwhile || !copy_fits_locked(live)) return false;
  if (auto compacted = compact_locked(*oldest); !compacted) {
    spdlog::error("store: compaction failed: {}", compacted.error());
    return false;
  }
  return true;
}

Status MessageStoreImpl::compact_locked(SegmentId id) {
  const auto source = segments_.find(id);
  std::vector<Sequence> live;
  messages_.for_each([&](const MessageSlot& slot) {
    if (slot.where.segment == id) live.push_back(slot.seq);
  });

  // Messages moved to their copies so far. If the copies cannot be made durable, they go
  // back to their originals, which stay (the source is deleted only after success).
  struct Moved {
    Sequence seq;
    RecordLocation from;
  };
  std::vector<Moved> moved;
  const auto fail = [&](Status error) {
    for (const auto& m : moved) {
      auto* slot = messages_.find(m.seq);
      if (slot == nullptr) continue;
      auto* copy_usage = segments_.usage(slot->where.segment);
      copy_usage->live_bytes -= slot->where.frame_bytes;
      --copy_usage->live_messages;
      slot->where = m.from;
      auto* usage = segments_.usage(m.from.segment);
      usage->live_bytes += m.from.frame_bytes;
      ++usage->live_messages;
    }
    return error;
  };

  std::vector<SegmentPtr> written;
  std::string frame;
  std::uint64_t copied = 0;
  for (const auto seq : live) {
    auto* slot = messages_.find(seq);
    const auto from = slot->where;
    if (auto got = source->read(from.offset, from.frame_bytes, frame); !got) return fail(got);
    auto payload = open_frame(frame, RecordType::message);
    auto head = payload ? decode_message_head(*payload) : Result<MessageRecord>(payload.failure());
    if (!head) {
      drop_unreadable_locked(seq, head.error());
      continue;
    }
    // Only the targets still holding it travel; same sequence, same enqueue time.
    std::vector<QueueTarget> still;
    for (const auto& t : head->targets) {
      auto* queue = find_queue_locked(t.queue);
      if (queue != nullptr && queue->find(seq) != nullptr) still.push_back(t);
    }
    if (still.empty()) {  // cannot happen while the slot is live; never write a target-less copy
      drop_unreadable_locked(seq, "no live queue holds it");
      continue;
    }
    if (still.size() != head->targets.size()) {
      auto full = decode_message(*payload);
      if (!full) {
        drop_unreadable_locked(seq, full.error());
        continue;
      }
      frame = encode_message_frame(seq, full->enqueued_at_ms, still, full->message);
    }
    auto where = appender_.append(frame, next_seq_);
    if (!where) return fail(where.failure());
    const auto& target = segments_.active();
    if (written.empty() || written.back() != target) written.push_back(target);
    sync_->note_write(target);

    slot = messages_.find(seq);
    slot->where = *where;
    moved.push_back({seq, from});
    auto* old_usage = segments_.usage(id);
    old_usage->live_bytes -= from.frame_bytes;
    --old_usage->live_messages;
    auto* new_usage = segments_.usage(where->segment);
    new_usage->live_bytes += where->frame_bytes;
    ++new_usage->live_messages;
    ++copied;
  }
  // The copies must be in the file before the originals disappear (a kill -9 keeps what
  // was written), and on disk too unless the policy is `never`. They are written here,
  // not left to the sync thread.
  for (const auto& segment : written)
    if (auto flushed = segment->write_pending(); !flushed) return fail(flushed);
  if (options_.fsync != FsyncPolicy::never) {
    for (const auto& segment : written)
      if (auto synced = segment->sync(); !synced) return fail(synced);
  }
  if (segments_.usage(id)->live_messages != 0) return fail(make_error("live messages left behind"));
  const auto bytes = source->size();
  if (auto removed = segments_.remove(id); !removed) return fail(removed);
  ++counters_.compactions;
  ++counters_.deleted_segments;
  counters_.copied_messages += copied;
  spdlog::debug("store: compacted segment {}: {} live messages copied forward, {} bytes freed",
                to_int(id), copied, bytes);
  return {};
}

std::function<void()> MessageStoreImpl::take_space_notification_locked() {
  if (!full_reported_) return {};
  if (refused_bytes_ > room_for_messages_locked()) return {};
  full_reported_ = false;
  spdlog::info("store: space available again ({} of {} bytes used)", segments_.total_bytes(),
               options_.max_bytes);
  return on_space_;
}

}  // namespace outpost::store

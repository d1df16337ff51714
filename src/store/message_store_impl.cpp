// Queues, append, read, ack, expire: the hot paths. Each takes the store mutex once.
#include "message_store_impl.h"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "record_codec.h"
#include "segment_format.h"

namespace outpost::store {
namespace {

constexpr std::size_t kAckBatch = 256;          // pending acks written once this many wait
constexpr std::size_t kMaxAcksPerRecord = 4096;

}  // namespace

MessageStoreImpl::~MessageStoreImpl() {
  if (loaded_) {
    flush();
    std::lock_guard lock(mutex_);
    const auto unwritten = pending_delivered_.size() + pending_expired_.size();
    if (unwritten > 0) {
      counters_.lost_acks += unwritten;
      spdlog::warn("store: closing with {} acks unwritten (byte cap); they will be redelivered",
                   unwritten);
    }
  }
  sync_->stop();
}

QueueIndex* MessageStoreImpl::find_queue_locked(QueueId id) {
  const auto it = queues_.find(id);
  return it == queues_.end() ? nullptr : &it->second;
}

void MessageStoreImpl::add_queue_locked(QueueId id, std::string name) {
  preamble_ += encode_queue_def_frame(id, name);
  queue_ids_[name] = id;
  queues_.try_emplace(id, id, std::move(name));
  next_queue_id_ = std::max(next_queue_id_, id + 1);
}

QueueId MessageStoreImpl::queue(std::string_view name) {
  std::lock_guard lock(mutex_);
  if (const auto it = queue_ids_.find(name); it != queue_ids_.end()) return it->second;
  const QueueId id = next_queue_id_;
  add_queue_locked(id, std::string(name));
  // If this write fails the appender starts a new segment before the next record, and that
  // segment's preamble names the queue: a message can never reach disk before its queue.
  if (auto written = write_locked(encode_queue_def_frame(id, name)); !written)
    spdlog::error("store: cannot record queue '{}': {}", name, written.error());
  return id;
}

Result<RecordLocation> MessageStoreImpl::write_locked(std::string_view frame) {
  auto where = appender_.append(frame, next_seq_);
  if (where) sync_->note_write(segments_.active());
  return where;
}

namespace {

bool has_duplicate_queue(const std::vector<QueueTarget>& targets) {
  for (std::size_t i = 1; i < targets.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (targets[i].queue == targets[j].queue) return true;
  return false;
}

}  // namespace

AppendResult MessageStoreImpl::append(std::shared_ptr<const Message> shared,
                                      const std::vector<QueueTarget>& requested,
                                      std::function<void(bool ok)> on_durable) {
  std::span<const QueueTarget> targets(requested);
  std::vector<QueueTarget> unique;  // only when a queue is named twice, which is rare
  if (has_duplicate_queue(requested)) {
    for (const auto& t : requested)
      if (std::none_of(unique.begin(), unique.end(), [&](const QueueTarget& u) { return u.queue == t.queue; }))
        unique.push_back(t);
    targets = unique;
  }
  if (targets.empty()) {
    spdlog::error("store: append without a queue refused");
    return {AppendStatus::failed, 0};
  }
  // Encoded outside the lock into a buffer this thread keeps (no allocation per append);
  // under the lock only the sequence is filled in and the frame sealed.
  thread_local std::string frame;
  constexpr std::size_t kMaxKeptFrameBytes = 1 << 20;
  if (frame.capacity() > kMaxKeptFrameBytes) std::string().swap(frame);  // after an outsized one
  const auto enqueued_at_ms = clock_.unix_millis();
  encode_message_frame_unsealed(frame, enqueued_at_ms, targets, *shared);
  // Always cached: until the sync thread has written the record, the cache is where read()
  // finds it.
  auto cached = std::move(shared);

  std::lock_guard lock(mutex_);
  if (sync_->failed()) return {AppendStatus::failed, 0};
  for (const auto& t : targets) {
    if (find_queue_locked(t.queue) == nullptr) {
      spdlog::error("store: append to unknown queue {} refused", t.queue);
      return {AppendStatus::failed, 0};
    }
  }
  if (frame.size() - kRecordHeaderBytes > kMaxRecordPayload ||
      frame.size() + appender_.new_segment_bytes() > append_limit()) {
    spdlog::error("store: a message of {} bytes can never fit under the byte cap", frame.size());
    return {AppendStatus::failed, 0};
  }
  if (appender_.bytes_needed(frame.size()) > room_for_messages_locked()) {
    make_room_locked(frame.size());
    const auto needed = appender_.bytes_needed(frame.size());
    if (needed > room_for_messages_locked()) {
      if (!full_reported_)
        spdlog::warn("store: byte cap of {} bytes reached ({} on disk); refusing new messages",
                     options_.max_bytes, segments_.total_bytes());
      full_reported_ = true;
      refused_bytes_ = needed;
      ++counters_.full_rejections;
      sync_->request_background_work();
      return {AppendStatus::full, 0};
    }
  }

  const Sequence seq = next_seq_;
  set_message_frame_seq(frame, seq);
  auto where = appender_.append(frame, seq);
  if (!where) {
    spdlog::error("store: {}", where.error());
    return {AppendStatus::failed, 0};
  }
  ++next_seq_;
  messages_.push_back({seq, *where, static_cast<std::uint32_t>(targets.size())});
  auto* usage = segments_.usage(where->segment);
  usage->live_bytes += where->frame_bytes;
  ++usage->live_messages;
  for (const auto& t : targets) {
    queues_.at(t.queue).push_back(seq, t.expires_at_ms);
    if (t.expires_at_ms != 0) expiry_.push({t.expires_at_ms, seq, t.queue});
  }
  const auto& segment = segments_.active();
  const std::uint64_t end = std::uint64_t{where->offset} + where->frame_bytes;
  unwritten_.add(segment, seq, end);
  cache_.pin_from(unwritten_.first_unwritten(next_seq_));
  cache_.insert(seq, enqueued_at_ms, std::move(cached));
  // Under the lock, so callbacks run in the order the records were buffered.
  sync_->submit(segment, end, std::move(on_durable), options_.wake_on_append);
  if (under_pressure_locked()) sync_->request_background_work();
  return {AppendStatus::accepted, seq};
}

void MessageStoreImpl::wake_writer() { sync_->wake(); }

std::vector<QueuedMessage> MessageStoreImpl::read(QueueId queue_id, Sequence after, std::size_t max) {
  std::lock_guard lock(mutex_);
  std::vector<QueuedMessage> out;
  auto* queue = find_queue_locked(queue_id);
  if (queue == nullptr || max == 0) return out;
  const auto entries = queue->read(after, max, clock_.unix_millis());
  out.reserve(entries.size());
  for (const auto& entry : entries) {
    if (const auto* hit = cache_.find(entry.seq)) {
      out.push_back({entry.seq, hit->enqueued_at_ms, hit->message});
      continue;
    }
    const auto* slot = messages_.find(entry.seq);
    auto loaded = slot ? load_message_locked(*slot) : Result<QueuedMessage>(make_error(ErrorKind::not_found, "no index entry"));
    if (!loaded) {
      drop_unreadable_locked(entry.seq, loaded.error());
      continue;
    }
    cache_.insert(entry.seq, loaded->enqueued_at_ms, loaded->message);
    out.push_back(std::move(*loaded));
  }
  return out;
}

Result<QueuedMessage> MessageStoreImpl::load_message_locked(const MessageSlot& slot) {
  const auto segment = segments_.find(slot.where.segment);
  if (!segment) return make_error(ErrorKind::storage_corrupt, "segment missing");
  std::string frame;
  if (auto got = segment->read(slot.where.offset, slot.where.frame_bytes, frame); !got)
    return got.failure();
  auto payload = open_frame(frame, RecordType::message);
  if (!payload) return payload.failure();
  auto record = decode_message(*payload);
  if (!record) return record.failure();
  if (record->seq != slot.seq) return make_error(ErrorKind::storage_corrupt, fmt::format("record holds sequence {}", record->seq));
  return QueuedMessage{slot.seq, record->enqueued_at_ms,
                       std::make_shared<const Message>(std::move(record->message))};
}

void MessageStoreImpl::drop_unreadable_locked(Sequence seq, const std::string& why) {
  spdlog::error("store: message {} cannot be read back ({}); dropping it from every queue", seq, why);
  ++counters_.unreadable_messages;
  drop_message_locked(seq);
}

void MessageStoreImpl::drop_message_locked(Sequence seq) {
  for (auto& [id, queue] : queues_) remove_entry_locked(queue, seq);
}

bool MessageStoreImpl::remove_entry_locked(QueueIndex& queue, Sequence seq, bool expiring) {
  const auto* entry = queue.find(seq);
  if (entry == nullptr) return false;
  const bool had_expiry = entry->expires_at_ms != 0;
  queue.remove(seq);
  if (had_expiry && !expiring) {
    expiry_.note_stale();
    expiry_.purge_if_mostly_stale([this](const ExpiryItem& item) {
      auto* q = find_queue_locked(item.queue);
      const auto* e = q ? q->find(item.seq) : nullptr;
      return e != nullptr && e->expires_at_ms == item.expires_at_ms;
    });
  }
  release_message_locked(seq);
  return true;
}

void MessageStoreImpl::release_message_locked(Sequence seq) {
  const auto last = messages_.release(seq);
  if (!last) return;
  cache_.erase(seq);
  auto* usage = segments_.usage(last->where.segment);
  usage->live_bytes -= last->where.frame_bytes;
  --usage->live_messages;
  // The oldest segment just died or became mostly garbage: let the background delete it,
  // at once if an append is waiting for the space.
  if (full_reported_) {
    sync_->request_background_work();
    return;
  }
  const auto oldest = segments_.oldest_sealed();
  if (oldest && *oldest == last->where.segment &&
      (usage->live_messages == 0 || usage->live_bytes * 2 <= segments_.find(*oldest)->size()))
    sync_->request_background_work_later();
}

void MessageStoreImpl::ack(QueueId queue_id, Sequence seq) {
  std::lock_guard lock(mutex_);
  auto* queue = find_queue_locked(queue_id);
  if (queue == nullptr || !remove_entry_locked(*queue, seq)) return;
  pending_delivered_.push_back({queue_id, seq});
  if (pending_delivered_.size() >= kAckBatch)
    write_pending_acks_locked(append_limit());
  else if (pending_delivered_.size() == 1)
    sync_->request_background_work_later();  // with the acks that follow meanwhile
}

void MessageStoreImpl::write_pending_acks_locked(std::uint64_t limit) {
  write_acks_locked(AckReason::expired, pending_expired_, limit);
  write_acks_locked(AckReason::delivered, pending_delivered_, limit);
}

void MessageStoreImpl::write_acks_locked(AckReason reason, std::vector<AckEntry>& entries,
                                         std::uint64_t limit) {
  std::size_t done = 0;
  while (done < entries.size()) {
    const auto count = std::min(entries.size() - done, kMaxAcksPerRecord);
    const auto frame = encode_ack_frame(reason, std::span(entries).subspan(done, count));
    if (segments_.total_bytes() + appender_.bytes_needed(frame.size()) > limit) break;  // later
    if (auto written = write_locked(frame); !written) {
      counters_.lost_acks += count;
      spdlog::error("store: {}; {} acks not written (redelivered after a crash)", written.error(), count);
    }
    done += count;
  }
  entries.erase(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(done));
}

std::vector<ExpiredCount> MessageStoreImpl::expire(std::int64_t now_ms) {
  std::vector<ExpiredCount> counts;
  std::lock_guard lock(mutex_);
  std::vector<AckEntry> expired;
  std::map<QueueId, std::uint64_t> per_queue;
  expiry_.pop_due(now_ms, [&](const ExpiryItem& item) {
    auto* queue = find_queue_locked(item.queue);
    const auto* entry = queue ? queue->find(item.seq) : nullptr;
    if (entry == nullptr || entry->expires_at_ms != item.expires_at_ms) return false;  // acked
    remove_entry_locked(*queue, item.seq, /*expiring=*/true);
    expired.push_back({item.queue, item.seq});
    ++per_queue[item.queue];
    return true;
  });
  if (expired.empty()) return counts;
  counters_.expired += expired.size();
  pending_expired_.insert(pending_expired_.end(), expired.begin(), expired.end());
  write_pending_acks_locked(append_limit());
  for (const auto& [queue, count] : per_queue) {
    counts.push_back({queue, count});
    spdlog::info("store: {} messages expired (TTL) in queue '{}'", count, queues_.at(queue).name());
  }
  return counts;
}

void MessageStoreImpl::on_space_available(std::function<void()> callback) {
  std::lock_guard lock(mutex_);
  on_space_ = std::move(callback);
}

std::vector<QueueStats> MessageStoreImpl::stats() const {
  std::lock_guard lock(mutex_);
  std::vector<QueueStats> out;
  out.reserve(queues_.size());
  for (const auto& [id, queue] : queues_) out.push_back({queue.name(), id, queue.length()});
  std::sort(out.begin(), out.end(), [](const QueueStats& a, const QueueStats& b) { return a.id < b.id; });
  return out;
}

std::uint64_t MessageStoreImpl::queue_length(QueueId queue) const {
  std::lock_guard lock(mutex_);
  const auto it = queues_.find(queue);
  return it == queues_.end() ? 0 : it->second.length();
}

std::uint64_t MessageStoreImpl::disk_bytes() const {
  std::lock_guard lock(mutex_);
  return segments_.total_bytes();
}

StoreCounters MessageStoreImpl::counters() const {
  std::lock_guard lock(mutex_);
  auto out = counters_;
  out.segments = segments_.count();
  out.fsyncs = sync_->fsyncs();
  return out;
}

void MessageStoreImpl::flush() {
  std::function<void()> notify;
  {
    std::lock_guard lock(mutex_);
    // Shutdown and explicit flushes may use the reserve: better than a redelivery.
    write_pending_acks_locked(options_.max_bytes == 0 ? UINT64_MAX : options_.max_bytes);
    delete_dead_prefix_locked();
    notify = take_space_notification_locked();
  }
  sync_->flush();
  {
    std::lock_guard lock(mutex_);
    cache_.pin_from(unwritten_.first_unwritten(next_seq_));  // all written: back to cache_bytes
  }
  if (notify) notify();
}

}  // namespace outpost::store

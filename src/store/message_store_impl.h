// The segmented-log MessageStore (design: README.md). One mutex guards everything below;
// the sync thread (sync_thread.h) does the fsyncs and the background work.
//
// Split by verb: message_store_open.cpp (open, recovery into the indexes),
// message_store_impl.cpp (queues, append, read, ack, expire, stats, flush),
// message_store_reclaim.cpp (deleting and compacting segments, the byte cap).
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "expiry_index.h"
#include "folder_lock.h"
#include "message_cache.h"
#include "message_index.h"
#include "outpost/store/message_store.h"
#include "queue_index.h"
#include "recovery.h"
#include "segment_appender.h"
#include "segment_set.h"
#include "sync_thread.h"
#include "unwritten_records.h"

namespace outpost::store {

class MessageStoreImpl final : public MessageStore {
 public:
  static Result<std::unique_ptr<MessageStore>> open(const StoreOptions& options, const Clock& clock);
  ~MessageStoreImpl() override;

  QueueId queue(std::string_view name) override;
  using MessageStore::append;
  AppendResult append(std::shared_ptr<const Message> message, const std::vector<QueueTarget>& targets,
                      std::function<void(bool ok)> on_durable) override;
  std::vector<QueuedMessage> read(QueueId queue, Sequence after, std::size_t max) override;
  void ack(QueueId queue, Sequence seq) override;
  std::vector<ExpiredCount> expire(std::int64_t now_ms) override;
  void on_space_available(std::function<void()> callback) override;
  void wake_writer() override;
  std::vector<QueueStats> stats() const override;
  std::uint64_t queue_length(QueueId queue) const override;
  std::uint64_t disk_bytes() const override;
  StoreCounters counters() const override;
  void flush() override;

 private:
  MessageStoreImpl(const StoreOptions& options, const Clock& clock, FolderLock lock,
                   std::uint64_t segment_bytes);

  // message_store_open.cpp
  Status load(RecoveredLog log);

  // message_store_impl.cpp
  QueueIndex* find_queue_locked(QueueId id);
  void add_queue_locked(QueueId id, std::string name);
  // Removes one entry; when it was the message's last, the message dies. `expiring`: the
  // entry's expiry item was already popped from the heap.
  bool remove_entry_locked(QueueIndex& queue, Sequence seq, bool expiring = false);
  void release_message_locked(Sequence seq);
  // Removes the message from every queue holding it.
  void drop_message_locked(Sequence seq);
  Result<RecordLocation> write_locked(std::string_view frame);
  // Writes buffered acks while the folder stays within `limit` bytes; the rest wait.
  void write_pending_acks_locked(std::uint64_t limit);
  void write_acks_locked(AckReason reason, std::vector<AckEntry>& entries, std::uint64_t limit);
  Result<QueuedMessage> load_message_locked(const MessageSlot& slot);
  void drop_unreadable_locked(Sequence seq, const std::string& why);

  // message_store_lost.cpp: after a failed write (called by the sync thread).
  void on_lost_write();
  void handle_lost_writes_locked();

  // message_store_reclaim.cpp
  void background_work();
  std::uint64_t append_limit() const;
  std::uint64_t room_for_messages_locked() const;
  bool under_pressure_locked() const;
  bool copy_fits_locked(std::uint64_t bytes) const;
  void delete_dead_prefix_locked();
  // Synchronous part of an append that hit the cap: frees what is cheap to free now.
  void make_room_locked(std::size_t frame_bytes);
  // One background step; true when it did work and another step may help.
  bool compact_step_locked();
  Status compact_locked(SegmentId id);
  std::function<void()> take_space_notification_locked();

  const StoreOptions options_;
  const Clock& clock_;
  const std::uint64_t segment_bytes_;
  FolderLock folder_lock_;

  mutable std::mutex mutex_;
  bool loaded_ = false;
  std::string preamble_;  // QUEUE_DEF frames of every queue; begins each new segment
  SegmentSet segments_;
  SegmentAppender appender_;
  MessageIndex messages_;
  std::unordered_map<QueueId, QueueIndex> queues_;
  std::map<std::string, QueueId, std::less<>> queue_ids_;
  QueueId next_queue_id_ = 1;
  ExpiryIndex expiry_;
  MessageCache cache_;
  UnwrittenRecords unwritten_;  // what the cache must keep until it is written
  // Acks not yet written. Delivered acks are batched (no fsync needed); any ack waits here
  // while the folder is at the append limit, so acks never eat compaction's reserve.
  std::vector<AckEntry> pending_delivered_;
  std::vector<AckEntry> pending_expired_;
  Sequence next_seq_ = 1;
  StoreCounters counters_;
  bool full_reported_ = false;    // an append got `full`; on_space_ is owed
  std::uint64_t refused_bytes_ = 0;
  std::function<void()> on_space_;
  std::unique_ptr<SyncThread> sync_;
};

}  // namespace outpost::store

// Opening the store: options, folder lock, recovery (recovery.cpp), then the in-memory
// indexes rebuilt from what recovery found.
#include <algorithm>
#include <system_error>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "message_store_impl.h"
#include "record_codec.h"
#include "segment_format.h"

namespace outpost::store {
namespace {

constexpr std::uint64_t kKiB = 1024;
constexpr std::uint64_t kMiB = 1024 * kKiB;
constexpr std::uint64_t kMinMaxBytes = 16 * kKiB;

// 0 = automatic: min(16 MiB, max(64 KiB, max_bytes/16)). Never more than a quarter of the
// cap: one segment's worth of the cap is held back for compaction (README.md, "Byte cap").
std::uint64_t choose_segment_bytes(const StoreOptions& options) {
  std::uint64_t bytes = options.segment_bytes;
  if (bytes == 0)
    bytes = options.max_bytes == 0 ? 16 * kMiB
                                   : std::clamp(options.max_bytes / 16, 64 * kKiB, 16 * kMiB);
  bytes = std::clamp(bytes, 4 * kKiB, 1024 * kMiB);
  if (options.max_bytes != 0) bytes = std::min(bytes, options.max_bytes / 4);
  return bytes;
}

}  // namespace

Result<std::unique_ptr<MessageStore>> MessageStore::open(const StoreOptions& options,
                                                         const Clock& clock) {
  return MessageStoreImpl::open(options, clock);
}

Result<std::unique_ptr<MessageStore>> MessageStoreImpl::open(const StoreOptions& options,
                                                             const Clock& clock) {
  if (options.folder.empty()) return make_error("store: no folder given");
  if (options.max_bytes != 0 && options.max_bytes < kMinMaxBytes)
    return make_error(fmt::format("store: max_bytes {} is below the minimum of {} bytes",
                                  options.max_bytes, kMinMaxBytes));
  std::error_code ec;
  std::filesystem::create_directories(options.folder, ec);
  if (ec)
    return make_error(ErrorKind::io, fmt::format("store: cannot create {}: {}", options.folder.string(), ec.message()));
  auto lock = FolderLock::acquire(options.folder);
  if (!lock) return with_context("store: ", lock.failure());
  auto log = recover_log(options.folder, options.fsync != FsyncPolicy::never);
  if (!log) return with_context("store: ", log.failure());

  std::unique_ptr<MessageStoreImpl> store(
      new MessageStoreImpl(options, clock, std::move(*lock), choose_segment_bytes(options)));
  if (auto loaded = store->load(std::move(*log)); !loaded) return with_context("store: ", loaded.failure());
  return std::unique_ptr<MessageStore>(std::move(store));
}

MessageStoreImpl::MessageStoreImpl(const StoreOptions& options, const Clock& clock,
                                   FolderLock lock, std::uint64_t segment_bytes)
    : options_(options),
      clock_(clock),
      segment_bytes_(segment_bytes),
      folder_lock_(std::move(lock)),
      segments_(options.folder, options.fsync != FsyncPolicy::never),
      appender_(segments_, segment_bytes, preamble_),
      cache_(options.cache_bytes),
      sync_(std::make_unique<SyncThread>(options.fsync, options.group_commit_delay,
                                         [this] { background_work(); }, [this] { on_lost_write(); })) {}

Status MessageStoreImpl::load(RecoveredLog log) {
  std::lock_guard lock(mutex_);
  const auto now = clock_.unix_millis();
  counters_.corrupt_segments = log.report.corrupt_segments;
  counters_.truncated_bytes = log.report.truncated_bytes;
  for (auto& [id, name] : log.queues) add_queue_locked(id, std::move(name));
  for (auto& segment : log.segments) segments_.adopt(std::move(segment));
  next_seq_ = log.next_seq;

  std::vector<std::pair<Sequence, RecoveredMessage*>> order;
  order.reserve(log.messages.size());
  for (auto& [seq, message] : log.messages) order.emplace_back(seq, &message);
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first < b.first; });

  std::unordered_map<QueueId, std::deque<QueueEntry>> entries;
  std::deque<MessageSlot> slots;
  std::vector<AckEntry> expired;
  std::vector<QueueId> unnamed;
  for (const auto& [seq, message] : order) {
    std::uint32_t refs = 0;
    for (const auto& target : message->targets) {
      if (find_queue_locked(target.queue) == nullptr) {
        // Its QUEUE_DEF was in a damaged stretch of the log: keep the entries under a
        // placeholder name rather than lose them.
        add_queue_locked(target.queue, fmt::format("queue-{}", target.queue));
        unnamed.push_back(target.queue);
      }
      if (target.expires_at_ms != 0 && target.expires_at_ms <= now) {
        expired.push_back({target.queue, seq});
        continue;
      }
      entries[target.queue].push_back({seq, target.expires_at_ms});
      if (target.expires_at_ms != 0) expiry_.push({target.expires_at_ms, seq, target.queue});
      ++refs;
    }
    if (refs == 0) continue;
    slots.push_back({seq, message->where, refs});
    auto* usage = segments_.usage(message->where.segment);
    usage->live_bytes += message->where.frame_bytes;
    ++usage->live_messages;
  }
  log.messages.clear();
  messages_.assign(std::move(slots));
  for (auto& [id, queue_entries] : entries) queues_.at(id).assign(std::move(queue_entries));

  if (!log.last_segment_clean || segments_.empty() ||
      segments_.active()->size() >= segment_bytes_) {
    if (auto rolled = appender_.roll(next_seq_); !rolled) return rolled;
  } else {
    for (const auto id : unnamed) {
      if (auto written = write_locked(encode_queue_def_frame(id, queues_.at(id).name())); !written)
        return written.failure();
    }
  }
  sync_->note_write(segments_.active());
  for (const auto id : unnamed)
    spdlog::warn("store: queue {} has entries but no name in the log; named queue-{}", id, id);

  // Written down, so a clock set back later cannot bring them back (and they are counted once).
  if (!expired.empty()) {
    counters_.expired += expired.size();
    pending_expired_ = std::move(expired);
    write_pending_acks_locked(append_limit());
    spdlog::info("store: {} queue entries expired while the store was closed", expired.size());
  }
  loaded_ = true;
  spdlog::info("store: opened {}: {} segments, {} bytes, {} messages in {} queues, next sequence {}",
               options_.folder.string(), segments_.count(), segments_.total_bytes(), messages_.size(),
               queues_.size(), next_seq_);
  sync_->request_background_work();  // dead segments to delete, maybe something to compact
  return {};
}

}  // namespace outpost::store

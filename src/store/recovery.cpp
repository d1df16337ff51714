#include "recovery.h"

#include <algorithm>
#include <system_error>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "record_codec.h"
#include "segment_reader.h"

namespace outpost::store {
namespace {

struct SegmentFile {
  SegmentId id;
  std::filesystem::path path;
};

Result<std::vector<SegmentFile>> list_segments(const std::filesystem::path& folder) {
  std::vector<SegmentFile> files;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (const auto id = parse_segment_file_name(name)) files.push_back({*id, it->path()});
  }
  if (ec) return make_error(ErrorKind::io, fmt::format("cannot list {}: {}", folder.string(), ec.message()));
  std::sort(files.begin(), files.end(),
            [](const SegmentFile& a, const SegmentFile& b) { return to_int(a.id) < to_int(b.id); });
  return files;
}

void keep_unique_targets(std::vector<QueueTarget>& targets) {
  std::vector<QueueTarget> unique;
  for (const auto& t : targets)
    if (std::none_of(unique.begin(), unique.end(), [&](const QueueTarget& u) { return u.queue == t.queue; }))
      unique.push_back(t);
  targets.swap(unique);
}

class Replayer {
 public:
  explicit Replayer(RecoveredLog& log) : log_(log) {}

  // Applies one record; an error means the payload is damaged despite its CRC.
  Status apply(const RecordView& record, SegmentId segment) {
    switch (record.type) {
      case RecordType::message: return apply_message(record, segment);
      case RecordType::ack: return apply_ack(record);
      case RecordType::queue_def: return apply_queue_def(record);
    }
    return make_error(ErrorKind::storage_corrupt, "unknown record type");
  }

  Sequence highest_seq() const { return highest_seq_; }

 private:
  Status apply_message(const RecordView& record, SegmentId segment) {
    auto decoded = decode_message_head(record.payload);
    if (!decoded) return decoded.failure();
    auto& rec = *decoded;
    highest_seq_ = std::max(highest_seq_, rec.seq);
    keep_unique_targets(rec.targets);
    const RecordLocation where{segment, record.offset, record.frame_bytes};
    auto it = log_.messages.find(rec.seq);
    if (it == log_.messages.end()) {
      log_.messages.emplace(rec.seq, RecoveredMessage{where, std::move(rec.targets)});
      return {};
    }
    // A compaction copy: it moved here, holding what was live when it was copied.
    auto& known = it->second;
    std::erase_if(known.targets, [&](const QueueTarget& t) {
      return std::none_of(rec.targets.begin(), rec.targets.end(),
                          [&](const QueueTarget& c) { return c.queue == t.queue; });
    });
    known.where = where;
    if (known.targets.empty()) log_.messages.erase(it);
    return {};
  }

  Status apply_ack(const RecordView& record) {
    auto decoded = decode_ack(record.payload);
    if (!decoded) return decoded.failure();
    for (const auto& entry : decoded->entries) {
      highest_seq_ = std::max(highest_seq_, entry.seq);
      auto it = log_.messages.find(entry.seq);
      if (it == log_.messages.end()) continue;
      std::erase_if(it->second.targets, [&](const QueueTarget& t) { return t.queue == entry.queue; });
      if (it->second.targets.empty()) log_.messages.erase(it);
    }
    return {};
  }

  Status apply_queue_def(const RecordView& record) {
    auto decoded = decode_queue_def(record.payload);
    if (!decoded) return decoded.failure();
    auto [it, inserted] = log_.queues.try_emplace(decoded->queue, decoded->name);
    if (!inserted && it->second != decoded->name) {
      spdlog::warn("store: queue {} renamed from '{}' to '{}' in the log; keeping the later name",
                   decoded->queue, it->second, decoded->name);
      it->second = decoded->name;
    }
    return {};
  }

  RecoveredLog& log_;
  Sequence highest_seq_ = 0;
};

void set_aside(const SegmentFile& file, std::string_view why, RecoveryReport& report) {
  auto aside = file.path;
  aside += ".corrupt";
  std::error_code ec;
  std::filesystem::rename(file.path, aside, ec);
  spdlog::error("store: {}: {}; set aside as {}{}", file.path.string(), why, aside.filename().string(),
                ec ? fmt::format(" (rename failed: {})", ec.message()) : "");
  ++report.corrupt_segments;
}

}  // namespace

Result<RecoveredLog> recover_log(const std::filesystem::path& folder, bool sync) {
  auto files = list_segments(folder);
  if (!files) return files.failure();
  RecoveredLog log;
  Replayer replay(log);

  for (std::size_t i = 0; i < files->size(); ++i) {
    const auto& file = (*files)[i];
    const bool last = i + 1 == files->size();
    auto opened = Segment::open(file.path, file.id);
    if (!opened) return opened.failure();
    const auto& segment = *opened;

    SegmentReader reader(*segment);
    SegmentHeader header;
    const auto check = reader.read_header(header);
    if (reader.stop() == ReadStop::io_error) return make_error(ErrorKind::io, reader.error());
    if (check == HeaderCheck::unsupported_version)
      return make_error(ErrorKind::storage_corrupt, fmt::format("{}: segment format version {}, this build reads version {}",
                                    file.path.string(), header.version, kFormatVersion));
    if (check == HeaderCheck::too_short && last) {
      // Created but its header never fully written: the crash came before any record.
      spdlog::warn("store: {}: incomplete new segment ({} bytes) removed", file.path.string(),
                   segment->size());
      if (auto removed = segment->unlink(); !removed) return removed.failure();
      continue;
    }
    if (check != HeaderCheck::ok) {
      set_aside(file, describe(check), log.report);
      continue;
    }
    if (header.id != file.id)
      spdlog::warn("store: {}: header says segment {}; using the file name", file.path.string(),
                   to_int(header.id));
    log.next_seq = std::max(log.next_seq, header.base_seq);

    std::string damage;
    std::uint64_t good_end = kSegmentHeaderBytes;
    while (auto record = reader.next()) {
      if (auto applied = replay.apply(*record, file.id); !applied) {
        damage = applied.error();
        break;
      }
      good_end = record->offset + record->frame_bytes;
    }
    if (reader.stop() == ReadStop::io_error) return make_error(ErrorKind::io, reader.error());
    if (damage.empty() && reader.stop() != ReadStop::end) damage = std::string(describe(reader.stop()));

    if (!damage.empty() && last) {
      const auto cut = segment->size() - good_end;
      spdlog::warn("store: {}: {} at offset {}; cutting off the last {} bytes (never reported durable)",
                   file.path.string(), damage, good_end, cut);
      if (auto truncated = segment->truncate(good_end); !truncated) return truncated.failure();
      if (sync) {
        if (auto synced = segment->sync(); !synced) return synced.failure();
      }
      log.report.truncated_bytes += cut;
      log.last_segment_clean = true;
    } else if (!damage.empty()) {
      spdlog::error("store: {}: {} at offset {}; skipping the remaining {} bytes of this segment",
                    file.path.string(), damage, good_end, segment->size() - good_end);
      ++log.report.corrupt_segments;
    } else if (last) {
      log.last_segment_clean = true;
    }
    log.segments.push_back(segment);
  }
  log.next_seq = std::max(log.next_seq, replay.highest_seq() + 1);
  return log;
}

}  // namespace outpost::store

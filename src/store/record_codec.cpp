#include "record_codec.h"

#include <fmt/format.h>

#include "byte_io.h"
#include "segment_format.h"

namespace outpost::store {
namespace {

// A record that does not decode was damaged after it was written whole and checksummed.
Error damaged(std::string what) { return make_error(ErrorKind::storage_corrupt, std::move(what)); }

constexpr std::size_t kTargetBytes = 4 + 8;
constexpr std::size_t kAckEntryBytes = 4 + 8;
constexpr std::size_t kMinPropertyBytes = 4 + 1;

void encode_properties(ByteWriter& w, const PropertyList& props) {
  w.u32(static_cast<std::uint32_t>(props.size()));
  for (const auto& p : props) {
    w.string(p.name);
    w.u8(p.value ? 1 : 0);
    if (p.value) w.string(*p.value);
  }
}

// Reads a property list; with `out` null the properties are only validated.
bool decode_properties(ByteReader& r, PropertyList* out) {
  const auto count = r.u32();
  if (!r.ok() || count > r.remaining() / kMinPropertyBytes) return false;
  for (std::uint32_t i = 0; i < count; ++i) {
    const auto name = r.string();
    const auto has_value = r.u8();
    if (has_value > 1) return false;
    std::string_view value;
    if (has_value == 1) value = r.string();
    if (!r.ok()) return false;
    if (out != nullptr) {
      if (has_value == 1)
        out->append(std::string(name), std::string(value));
      else
        out->append(std::string(name), std::nullopt);
    }
  }
  return true;
}

Result<MessageRecord> decode_message_impl(std::string_view payload, bool with_body) {
  ByteReader r(payload);
  MessageRecord rec;
  rec.seq = r.u64();
  rec.enqueued_at_ms = r.i64();
  const auto target_count = r.u32();
  if (!r.ok()) return damaged("message record: truncated header");
  if (rec.seq == 0) return damaged("message record: sequence 0");
  if (target_count == 0 || target_count > r.remaining() / kTargetBytes)
    return damaged(fmt::format("message record {}: bad target count {}", rec.seq, target_count));
  rec.targets.reserve(target_count);
  for (std::uint32_t i = 0; i < target_count; ++i) {
    QueueTarget t;
    t.queue = r.u32();
    t.expires_at_ms = r.i64();
    rec.targets.push_back(t);
  }
  const auto body = r.string();
  if (!r.ok()) return damaged(fmt::format("message record {}: truncated body", rec.seq));
  if (with_body) rec.message.body.assign(body);
  if (!decode_properties(r, with_body ? &rec.message.system : nullptr) ||
      !decode_properties(r, with_body ? &rec.message.application : nullptr))
    return damaged(fmt::format("message record {}: malformed properties", rec.seq));
  if (r.remaining() != 0)
    return damaged(fmt::format("message record {}: {} trailing bytes", rec.seq, r.remaining()));
  return rec;
}

}  // namespace

void encode_message_frame_unsealed(std::string& frame, std::int64_t enqueued_at_ms,
                                   std::span<const QueueTarget> targets, const Message& message) {
  const auto property_count = message.system.size() + message.application.size();
  begin_frame(frame, RecordType::message,
              32 + targets.size() * kTargetBytes + message.counted_size() + property_count * 9);
  ByteWriter w(frame);
  w.u64(0);  // the sequence, set under the store lock
  w.i64(enqueued_at_ms);
  w.u32(static_cast<std::uint32_t>(targets.size()));
  for (const auto& t : targets) {
    w.u32(t.queue);
    w.i64(t.expires_at_ms);
  }
  w.string(message.body);
  encode_properties(w, message.system);
  encode_properties(w, message.application);
}

std::string encode_message_frame(Sequence seq, std::int64_t enqueued_at_ms,
                                 std::span<const QueueTarget> targets, const Message& message) {
  std::string frame;
  encode_message_frame_unsealed(frame, enqueued_at_ms, targets, message);
  set_message_frame_seq(frame, seq);
  return frame;
}

void set_message_frame_seq(std::string& frame, Sequence seq) {
  ByteWriter::patch(frame, kRecordHeaderBytes, seq, 8);
  seal_frame(frame);
}

std::string encode_ack_frame(AckReason reason, std::span<const AckEntry> entries) {
  std::string frame = begin_frame(RecordType::ack, 5 + entries.size() * kAckEntryBytes);
  ByteWriter w(frame);
  w.u8(static_cast<std::uint8_t>(reason));
  w.u32(static_cast<std::uint32_t>(entries.size()));
  for (const auto& e : entries) {
    w.u32(e.queue);
    w.u64(e.seq);
  }
  seal_frame(frame);
  return frame;
}

std::string encode_queue_def_frame(QueueId queue, std::string_view name) {
  std::string frame = begin_frame(RecordType::queue_def, 8 + name.size());
  ByteWriter w(frame);
  w.u32(queue);
  w.string(name);
  seal_frame(frame);
  return frame;
}

Result<MessageRecord> decode_message(std::string_view payload) {
  return decode_message_impl(payload, true);
}

Result<MessageRecord> decode_message_head(std::string_view payload) {
  return decode_message_impl(payload, false);
}

Result<AckRecord> decode_ack(std::string_view payload) {
  ByteReader r(payload);
  AckRecord rec;
  const auto reason = r.u8();
  const auto count = r.u32();
  if (!r.ok()) return damaged("ack record: truncated header");
  if (reason != static_cast<std::uint8_t>(AckReason::delivered) &&
      reason != static_cast<std::uint8_t>(AckReason::expired))
    return damaged(fmt::format("ack record: unknown reason {}", reason));
  rec.reason = static_cast<AckReason>(reason);
  if (count != r.remaining() / kAckEntryBytes || r.remaining() % kAckEntryBytes != 0)
    return damaged(fmt::format("ack record: {} entries do not match {} bytes", count,
                                  r.remaining()));
  rec.entries.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    AckEntry e;
    e.queue = r.u32();
    e.seq = r.u64();
    rec.entries.push_back(e);
  }
  return rec;
}

Result<QueueDefRecord> decode_queue_def(std::string_view payload) {
  ByteReader r(payload);
  QueueDefRecord rec;
  rec.queue = r.u32();
  const auto name = r.string();
  if (!r.ok() || r.remaining() != 0) return damaged("queue record: malformed");
  if (rec.queue == 0) return damaged("queue record: queue id 0");
  rec.name.assign(name);
  return rec;
}

}  // namespace outpost::store

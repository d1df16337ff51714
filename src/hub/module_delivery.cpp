#include "module_delivery.h"

#include "outpost/core/property_bag.h"
#include "outpost/iothub/topics.h"

namespace outpost::hub {

ModuleDelivery::ModuleDelivery(store::MessageStore& store, HubMetrics& metrics,
                               std::weak_ptr<mqtt::Connection> connection, iothub::Identity receiver,
                               std::size_t window, const Clock& clock)
    : store_(store), metrics_(metrics), connection_(std::move(connection)), receiver_(std::move(receiver)),
      window_(window), clock_(clock) {}

void ModuleDelivery::pump(const EndpointInfo& endpoint) {
  auto [it, inserted] = pumps_.try_emplace(endpoint.id);
  if (inserted) {
    it->second.endpoint = &endpoint;
    it->second.topic_prefix = iothub::input_topic_prefix(receiver_, endpoint.endpoint.input);
  }
  fill(it->second);
}

void ModuleDelivery::fill(Pump& pump) {
  auto connection = connection_.lock();
  if (!connection || !connection->open()) return;
  // Highest priority first; a lower-priority queue is read only when the higher ones are
  // drained up to their cursors.
  for (const auto& q : pump.endpoint->queues) {
    while (pump.in_flight < window_) {
      auto& cursor = pump.cursor[q.queue];
      const auto batch = store_.read(q.queue, cursor, window_ - pump.in_flight);
      if (batch.empty()) break;
      for (const auto& entry : batch) {
        cursor = entry.seq;
        const auto& message = *entry.message;
        topic_.assign(pump.topic_prefix);
        append_property_bag(topic_, message, {sysprop::kOutputName, sysprop::kInputName});
        const auto tag = next_tag_++;
        in_flight_.emplace(tag, InFlight{&pump, q.queue, entry.seq, q.priority, entry.enqueued_at_ms,
                                         &sent_counter(message, pump, q.priority)});
        ++pump.in_flight;
        connection->publish(topic_, message.body, 1, tag);
      }
    }
    if (pump.in_flight >= window_) return;
  }
}

metrics::Counter& ModuleDelivery::sent_counter(const Message& message, const Pump& pump, std::uint32_t priority) {
  const auto module = message.system.find(sysprop::kConnectionModuleId);
  const auto device = message.system.find(sysprop::kConnectionDeviceId);
  const auto output = message.system.find(sysprop::kOutputName);
  // Built in a kept buffer: this runs for every delivery.
  auto& key = counter_key_;
  key.clear();
  if (device && device->value) key += *device->value;
  if (module && module->value) key.append("/").append(*module->value);
  const auto from_length = key.size();
  key += '\x1f';
  const auto output_start = key.size();
  if (output && output->value) key += *output->value;
  const auto output_length = key.size() - output_start;
  key.append("\x1f").append(pump.endpoint->id).append("\x1f").append(std::to_string(priority));
  if (const auto it = sent_counters_.find(key); it != sent_counters_.end()) return *it->second;
  auto* counter = &metrics_.sent(key.substr(0, from_length), receiver_.id(), key.substr(output_start, output_length),
                                 pump.endpoint->endpoint.input, priority);
  sent_counters_.emplace(key, counter);
  return *counter;
}

void ModuleDelivery::delivered(std::uint64_t tag) {
  const auto it = in_flight_.find(tag);
  if (it == in_flight_.end()) return;
  const InFlight done = std::move(it->second);
  in_flight_.erase(it);
  store_.ack(done.queue, done.seq);
  --done.pump->in_flight;
  done.sent->inc();
  const auto now_ms = clock_.unix_millis();
  metrics_.process_duration().observe(static_cast<double>(now_ms - done.enqueued_at_ms) / 1000.0);
  fill(*done.pump);
}

}  // namespace outpost::hub

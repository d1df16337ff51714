#include "endpoint_registry.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace outpost::hub {

EndpointRegistry::EndpointRegistry(store::MessageStore& store, std::string edge_device_id)
    : store_(store), edge_device_id_(std::move(edge_device_id)) {}

std::string EndpointRegistry::queue_name(const std::string& endpoint_id, std::uint32_t priority) {
  return fmt::format("{}_Pri{}", endpoint_id, priority);
}

void EndpointRegistry::recover() {
  for (const auto& q : store_.stats()) {
    const auto pos = q.name.rfind("_Pri");
    if (pos == std::string::npos) continue;
    std::uint32_t priority = 0;
    const auto digits = std::string_view(q.name).substr(pos + 4);
    if (std::from_chars(digits.data(), digits.data() + digits.size(), priority).ec != std::errc{}) continue;
    const auto id = q.name.substr(0, pos);
    routing::Endpoint endpoint = routing::Endpoint::upstream();
    if (id != "iothub") {
      // "{edge}/{module}/{input}"
      const auto first = id.find('/');
      const auto last = id.rfind('/');
      if (first == std::string::npos || first == last) {
        spdlog::warn("hub: ignoring store queue '{}' with an unknown endpoint id", q.name);
        continue;
      }
      endpoint = routing::Endpoint::module_input(id.substr(first + 1, last - first - 1), id.substr(last + 1));
    }
    auto& info = this->endpoint(endpoint);
    queue(info, priority);
  }
}

EndpointInfo& EndpointRegistry::endpoint(const routing::Endpoint& endpoint) {
  const auto id = endpoint.id(edge_device_id_);
  auto& slot = endpoints_[id];
  if (!slot) slot = std::make_unique<EndpointInfo>(EndpointInfo{id, endpoint, {}});
  return *slot;
}

store::QueueId EndpointRegistry::queue(EndpointInfo& info, std::uint32_t priority) {
  for (const auto& q : info.queues)
    if (q.priority == priority) return q.queue;
  const auto id = store_.queue(queue_name(info.id, priority));
  info.queues.push_back({priority, id});
  std::sort(info.queues.begin(), info.queues.end(),
            [](const EndpointQueue& a, const EndpointQueue& b) { return a.priority < b.priority; });
  return id;
}

const EndpointInfo* EndpointRegistry::find(const std::string& id) const {
  const auto it = endpoints_.find(id);
  return it == endpoints_.end() ? nullptr : it->second.get();
}

std::vector<EndpointInfo*> EndpointRegistry::for_module(const std::string& module_id) {
  std::vector<EndpointInfo*> out;
  for (auto& [id, info] : endpoints_)
    if (info->endpoint.kind == routing::Endpoint::Kind::module_input && info->endpoint.module == module_id)
      out.push_back(info.get());
  return out;
}

std::vector<const EndpointInfo*> EndpointRegistry::all() const {
  std::vector<const EndpointInfo*> out;
  for (const auto& [id, info] : endpoints_) out.push_back(info.get());
  return out;
}

}  // namespace outpost::hub

#include "twin_link.h"

#include <thread>

#include <spdlog/spdlog.h>

#include "outpost/core/json.h"
#include "outpost/core/twin.h"

namespace outpost::agent {

using nlohmann::json;

TwinLink::TwinLink(client::ModuleClient client, DesiredHandler on_desired)
    : client_(std::move(client)), on_desired_(std::move(on_desired)) {
  client_.onDesiredPropertiesUpdate([this](const std::string& patch) { on_patch(patch); });
}

void TwinLink::start(const std::function<bool()>& stop) {
  auto delay = std::chrono::seconds(1);
  while (!stop()) {
    try {
      client_.open();
      read_whole_twin();
      return;
    } catch (const client::ClientError& e) {
      spdlog::warn("agent: the cloud: {} (again in {} s)", e.what(), delay.count());
    }
    // A bounded pause between attempts; `stop` is checked in slices so SIGTERM is not held up.
    for (auto waited = std::chrono::milliseconds(0); waited < delay && !stop(); waited += std::chrono::milliseconds(100))
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    delay = std::min(delay * 2, std::chrono::seconds(60));
  }
}

void TwinLink::read_whole_twin() {
  auto twin = parse_json(client_.getTwin());
  if (!twin || !twin->is_object()) throw client::ClientError(client::ErrorCode::rejected, "the twin is not a JSON object");
  json desired = object_field(*twin, "desired");
  json reported = object_field(*twin, "reported");
  {
    std::lock_guard lock(mutex_);
    desired_ = desired.is_object() ? desired : json::object();
    // What the cloud already has is the base of the next patch (IoT Edge nulls what it cannot read).
    last_reported_ = reported.is_object() ? reported : json::object();
    last_reported_.erase("$version");
    have_twin_ = true;
  }
  on_desired_(desired);
}

void TwinLink::on_patch(const std::string& patch_json) {
  auto patch = parse_json(patch_json);
  if (!patch || !patch->is_object()) return;
  json desired;
  bool whole = false;
  {
    std::lock_guard lock(mutex_);
    const auto current = integer_field(desired_, "$version", 0);
    const auto next = integer_field(*patch, "$version", 0);
    if (!have_twin_ || next != current + 1) {
      whole = true;
    } else {
      merge_patch(desired_, *patch);
      desired = desired_;
    }
  }
  if (!whole) {
    on_desired_(desired);
    return;
  }
  try {
    read_whole_twin();  // a patch out of order: the whole twin is the truth
  } catch (const client::ClientError& e) {
    spdlog::warn("agent: reading the twin after a patch out of order: {}", e.what());
  }
}

void TwinLink::reconnected() {
  {
    std::lock_guard lock(mutex_);
    if (!have_twin_) return;  // start() reads it
  }
  try {
    read_whole_twin();
  } catch (const client::ClientError& e) {
    spdlog::warn("agent: reading the twin after reconnecting: {}", e.what());
  }
}

bool TwinLink::report(const json& reported) {
  json patch;
  {
    std::lock_guard lock(mutex_);
    if (!have_twin_) return false;  // not connected yet: the first report after it sends all
    patch = merge_diff(last_reported_, reported);
  }
  if (patch.empty()) return true;
  try {
    client_.updateReportedProperties(patch.dump());
  } catch (const client::ClientError& e) {
    spdlog::warn("agent: reporting to the cloud: {}", e.what());
    return false;
  }
  std::lock_guard lock(mutex_);
  merge_patch(last_reported_, patch);
  return true;
}

}  // namespace outpost::agent

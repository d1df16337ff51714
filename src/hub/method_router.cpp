#include "hub/method_router.h"

#include <fmt/format.h>

#include "outpost/iothub/topics.h"

namespace outpost::hub {

void MethodRouter::invoke(const mqtt::ConnectionPtr& target, bool target_listens, const std::string& method,
                          const std::string& payload_json, std::chrono::seconds timeout, Callback done) {
  if (!target || !target->open() || !target_listens) {
    done({404, R"({"errorCode":404103,"message":"The target is not connected or not listening for methods"})", false});
    return;
  }
  const auto rid = fmt::format("{:x}", next_rid_++);
  auto timer = loop_.make_timer();
  timer->start(timeout, [this, rid] {
    const auto it = pending_.find(rid);
    if (it == pending_.end()) return;
    auto callback = std::move(it->second.done);
    pending_.erase(it);
    callback({504, R"({"errorCode":504101,"message":"Timed out waiting for the response from the device"})", false});
  });
  pending_.emplace(rid, Pending{target->id(), std::move(done), std::move(timer)});
  target->publish(iothub::method_request_topic(method, rid), payload_json, 0);
}

bool MethodRouter::complete(const mqtt::Connection& connection, const std::string& rid, int status,
                            std::string payload) {
  const auto it = pending_.find(rid);
  if (it == pending_.end() || it->second.connection_id != connection.id()) return false;
  auto callback = std::move(it->second.done);
  pending_.erase(it);
  if (payload.empty()) payload = "null";
  callback({status, std::move(payload), true});
  return true;
}

}  // namespace outpost::hub

#include "outpost/iothub_methods/method_dispatcher.h"

#include <fmt/format.h>

#include "outpost/iothub/topics.h"

namespace outpost::iothub {

namespace {
const char* kNotOnline = R"({"errorCode":404103,"message":"The device is not online or not subscribed to methods"})";
const char* kTimedOut = R"({"errorCode":504101,"message":"Timed out waiting for the response from the device"})";
}  // namespace

void MethodDispatcher::invoke(Call call, const mqtt::ConnectionPtr& listening, Callback done) {
  if (listening && listening->open()) return send(std::move(call), listening, std::move(done));
  if (call.connect_timeout.count() <= 0) {
    done({404, kNotOnline, false});
    return;
  }
  const auto key = call.target.id();
  const auto id = next_waiting_++;
  auto timer = loop_.make_timer();
  timer->start(call.connect_timeout, [this, key, id] {
    auto it = waiting_.find(key);
    if (it == waiting_.end()) return;
    auto& list = it->second;
    for (auto w = list.begin(); w != list.end(); ++w) {
      if (w->id != id) continue;
      auto callback = std::move(w->done);
      list.erase(w);
      if (list.empty()) waiting_.erase(it);
      callback({404, kNotOnline, false});
      return;
    }
  });
  waiting_[key].push_back({id, std::move(call), std::move(done), std::move(timer)});
}

void MethodDispatcher::target_ready(const Identity& target, const mqtt::ConnectionPtr& connection) {
  auto it = waiting_.find(target.id());
  if (it == waiting_.end()) return;
  auto list = std::move(it->second);
  waiting_.erase(it);
  for (auto& w : list) send(std::move(w.call), connection, std::move(w.done));
}

void MethodDispatcher::send(Call call, const mqtt::ConnectionPtr& connection, Callback done) {
  const auto rid = fmt::format("{:x}", next_rid_++);
  auto timer = loop_.make_timer();
  timer->start(call.response_timeout, [this, rid] {
    const auto it = pending_.find(rid);
    if (it == pending_.end()) return;
    auto callback = std::move(it->second.done);
    pending_.erase(it);
    callback({504, kTimedOut, false});
  });
  pending_.emplace(rid, Pending{connection->id(), std::move(done), std::move(timer)});
  connection->publish(method_request_topic(call.method, rid), call.payload_json, 0);
}

bool MethodDispatcher::complete(const mqtt::Connection& connection, const std::string& rid, int status,
                                std::string payload) {
  const auto it = pending_.find(rid);
  if (it == pending_.end() || it->second.connection_id != connection.id()) return false;
  auto callback = std::move(it->second.done);
  pending_.erase(it);
  if (payload.empty()) payload = "null";
  callback({status, std::move(payload), true});
  return true;
}

void MethodDispatcher::connection_closed(std::uint64_t connection_id) {
  std::vector<Callback> orphans;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.connection_id != connection_id) {
      ++it;
      continue;
    }
    orphans.push_back(std::move(it->second.done));
    it = pending_.erase(it);
  }
  for (auto& done : orphans)
    done({404, R"({"errorCode":404103,"message":"The device disconnected before it answered"})", false});
}

}  // namespace outpost::iothub

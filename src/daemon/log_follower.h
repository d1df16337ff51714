// `GET /modules/{m}/logs?follow=true`: what the module has written, then each second what it
// wrote since, as Docker-framed chunks, until the client goes or the module is removed. The
// runtime is read on the RuntimeWorker; lines are told apart by their timestamps, so none is
// sent twice or skipped across polls.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "outpost/net/event_loop.h"
#include "outpost/net/http_server.h"
#include "outpost/runtime/module_runtime.h"
#include "runtime_worker.h"

namespace outpost::daemon {

class LogFollower : public std::enable_shared_from_this<LogFollower> {
 public:
  LogFollower(net::EventLoop& loop, RuntimeWorker& worker, runtime::ModuleRuntime& runtime, std::string name,
              runtime::LogOptions asked, std::shared_ptr<net::HttpStream> stream);
  void start();

 private:
  void poll();
  void deliver(Result<std::string> stamped);

  net::EventLoop& loop_;
  RuntimeWorker& worker_;
  runtime::ModuleRuntime& runtime_;
  std::string name_;
  runtime::LogOptions asked_;
  std::shared_ptr<net::HttpStream> stream_;
  std::unique_ptr<net::Timer> timer_;
  std::optional<std::pair<std::int64_t, std::int64_t>> last_;  // (seconds, nanoseconds) of the last line sent
  bool first_ = true;
  std::pair<std::int64_t, std::int64_t> started_{0, 0};  // when following began, as last_
};

// "2026-12-04T05:30:00.123456789Z ..." -> (seconds, nanoseconds); nullopt without a stamp.
std::optional<std::pair<std::int64_t, std::int64_t>> log_line_time(const std::string& line);

}  // namespace outpost::daemon

// Private to net: what a handler's HttpResponder and the session that serves its request
// share — the answer (or the stream's chunks) and how to wake the session when it arrives.
// Touched only on the session's executor: the responder posts there.
#pragma once
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "outpost/net/http_server.h"

namespace outpost::net {

struct HttpResponder::Target {
  boost::asio::any_io_executor executor;
  std::optional<HttpResponse> response;
  bool streaming = false;
  int stream_status = 200;
  std::vector<std::pair<std::string, std::string>> stream_headers;
  std::deque<std::string> chunks;
  bool stream_closed = false;
  bool client_gone = false;
  std::vector<std::function<void()>> close_callbacks;
  std::function<void()> wake;  // wakes the session coroutine; set while it waits

  void notify() {
    if (wake) wake();
  }
  void finish_stream() {
    auto callbacks = std::move(close_callbacks);
    close_callbacks.clear();
    for (auto& cb : callbacks) cb();
  }
};

}  // namespace outpost::net

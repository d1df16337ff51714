// For tests whose event loop runs on a thread of its own: runs `f` on the loop's thread (where
// servers and clients may be touched) and returns its result once it ran.
#pragma once
#include <future>

#include "outpost/net/event_loop.h"

namespace outpost::testing {

template <typename F>
auto on_loop(net::EventLoop& loop, F f) {
  std::promise<decltype(f())> result;
  loop.post([&] { result.set_value(f()); });
  return result.get_future().get();
}

}  // namespace outpost::testing

#include "outpost/net/event_loop.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net_internal/asio_loop.h"

namespace outpost::net {
namespace {

class AsioTimer final : public Timer {
 public:
  explicit AsioTimer(boost::asio::io_context& io) : timer_(io) {}
  ~AsioTimer() override { cancel(); }

  void start(std::chrono::microseconds delay, std::function<void()> callback) override {
    const auto generation = ++*generation_;
    timer_.expires_after(delay);
    // A completion may already be queued when cancel() or the destructor runs; the shared
    // generation counter (not `this`) tells it that it is stale.
    timer_.async_wait([state = generation_, generation, callback = std::move(callback)](
                          const boost::system::error_code& ec) {
      if (ec || *state != generation) return;
      callback();
    });
  }

  void cancel() override {
    ++*generation_;
    timer_.cancel();
  }

 private:
  boost::asio::steady_timer timer_;
  std::shared_ptr<std::uint64_t> generation_ = std::make_shared<std::uint64_t>(0);
};

void arm_signals(EventLoop::Impl& impl) {
  impl.signals->async_wait([&impl](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    impl.on_signal(signo);
    arm_signals(impl);
  });
}

}  // namespace

EventLoop::EventLoop() : impl_(std::make_unique<Impl>()) {
  impl_->work = std::make_unique<
      boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
      impl_->io.get_executor());
}

EventLoop::~EventLoop() = default;

void EventLoop::run() {
  if (impl_->io.stopped()) impl_->io.restart();
  impl_->io.run();
}

std::size_t EventLoop::poll() {
  if (impl_->io.stopped()) impl_->io.restart();
  return impl_->io.poll();
}

void EventLoop::stop() { impl_->io.stop(); }

bool EventLoop::stopped() const { return impl_->io.stopped(); }

void EventLoop::post(std::function<void()> fn) { boost::asio::post(impl_->io, std::move(fn)); }

std::unique_ptr<Timer> EventLoop::make_timer() { return std::make_unique<AsioTimer>(impl_->io); }

void EventLoop::on_signals(std::initializer_list<int> signals, std::function<void(int)> on_signal) {
  impl_->signals = std::make_unique<boost::asio::signal_set>(impl_->io);
  for (const int s : signals) impl_->signals->add(s);
  impl_->on_signal = std::move(on_signal);
  arm_signals(*impl_);
}

}  // namespace outpost::net

// HttpResponder: how a handler answers, now or later, once or as a chunked stream.
#include <boost/asio/post.hpp>

#include "http_responder_state.h"
#include "net_internal/asio_loop.h"

namespace outpost::net {

namespace asio = boost::asio;

namespace {

class StreamImpl final : public HttpStream {
 public:
  explicit StreamImpl(std::shared_ptr<HttpResponder::Target> target) : target_(std::move(target)) {}
  void write(std::string chunk) override {
    asio::post(target_->executor, [t = target_, c = std::move(chunk)]() mutable {
      if (t->stream_closed || t->client_gone) return;
      t->chunks.push_back(std::move(c));
      t->notify();
    });
  }
  void close() override {
    asio::post(target_->executor, [t = target_] {
      if (t->stream_closed) return;
      t->stream_closed = true;
      t->notify();
    });
  }
  bool open() const override { return !target_->stream_closed && !target_->client_gone; }
  void on_close(std::function<void()> callback) override {
    asio::post(target_->executor, [t = target_, cb = std::move(callback)]() mutable {
      if (t->client_gone || t->stream_closed) cb();
      else t->close_callbacks.push_back(std::move(cb));
    });
  }

 private:
  std::shared_ptr<HttpResponder::Target> target_;
};

}  // namespace

void HttpResponder::send(HttpResponse response) const {
  asio::post(target_->executor, [t = target_, r = std::move(response)]() mutable {
    if (t->response || t->streaming) return;
    t->response = std::move(r);
    t->notify();
  });
}

HttpResponder HttpResponder::to_callback(EventLoop& loop, std::function<void(HttpResponse)> on_response) {
  auto target = std::make_shared<Target>();
  target->executor = asio_context(loop).get_executor();
  // notify() runs inside send()'s posted task, which keeps the target alive; a raw pointer
  // here avoids a target -> wake -> target cycle.
  target->wake = [t = target.get(), on_response = std::move(on_response)] {
    if (t->response) on_response(std::move(*t->response));
  };
  return HttpResponder(std::move(target));
}

std::shared_ptr<HttpStream> HttpResponder::stream(int status,
                                                  std::vector<std::pair<std::string, std::string>> headers) const {
  auto stream = std::make_shared<StreamImpl>(target_);
  asio::post(target_->executor, [t = target_, status, h = std::move(headers)]() mutable {
    if (t->response || t->streaming) return;
    t->streaming = true;
    t->stream_status = status;
    t->stream_headers = std::move(h);
    t->notify();
  });
  return stream;
}

}  // namespace outpost::net

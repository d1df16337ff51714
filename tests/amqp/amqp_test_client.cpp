#include "amqp_test_client.h"

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <proton/connection.hpp>
#include <proton/connection_options.hpp>
#include <proton/container.hpp>
#include <proton/delivery.hpp>
#include <proton/error_condition.hpp>
#include <proton/message.hpp>
#include <proton/message_id.hpp>
#include <proton/messaging_handler.hpp>
#include <proton/transport.hpp>
#include <proton/receiver.hpp>
#include <proton/receiver_options.hpp>
#include <proton/sender.hpp>
#include <proton/sender_options.hpp>
#include <proton/symbol.hpp>
#include <proton/value.hpp>
#include <proton/source.hpp>
#include <proton/target.hpp>
#include <proton/tracker.hpp>
#include <proton/work_queue.hpp>

#include "proton_handles.h"

namespace outpost::testing {

struct AmqpTestClient::Impl : proton::messaging_handler {
  std::string url;
  bool sasl = true;
  std::string user, password;  // SASL PLAIN when set
  proton::container container{*this};
  std::thread thread;
  mutable std::mutex mutex;
  std::condition_variable changed;
  // Guarded by mutex:
  proton::connection connection;  // touched on the container's thread only
  proton::work_queue* work_queue = nullptr;
  bool open = false;
  int cbs_links = 0;  // attached by the server (their remote terminus is what names them)
  bool closed = false;
  std::string close_condition;
  std::map<std::string, proton::sender> senders;
  std::map<std::string, proton::receiver> receivers;
  std::map<std::string, std::string> link_errors;
  std::map<std::string, bool> link_open;
  std::map<std::string, std::deque<proton::message>> inbox;
  std::vector<proton::delivery> unsettled;
  std::map<std::string, proton::message> cbs_replies;  // by correlation-id
  std::vector<std::string> outcomes;                   // by send order
  std::map<std::size_t, std::string> rejections;       // send index -> the error condition
  std::map<std::string, std::size_t> tag_index;         // delivery tag -> index in outcomes
  int next_request = 0;

  void on_container_start(proton::container& c) override {
    proton::connection_options options;
    if (!sasl) options.sasl_enabled(false);
    else if (!user.empty()) options.user(user).password(password).sasl_allowed_mechs("PLAIN").sasl_allow_insecure_mechs(true);
    else options.sasl_allowed_mechs("ANONYMOUS");
    connection = c.connect(url, options);
  }
  void on_connection_open(proton::connection& c) override {
    c.open_sender("$cbs");
    c.open_receiver("$cbs", proton::receiver_options().credit_window(100));
    std::lock_guard lock(mutex);
    work_queue = &c.work_queue();
    open = true;
    changed.notify_all();
  }
  void on_connection_close(proton::connection& c) override { ended(c.error().name()); }
  void on_transport_error(proton::transport& t) override { ended(t.error().name()); }
  void on_transport_close(proton::transport&) override { ended(""); }
  void on_error(const proton::error_condition& e) override { ended(e.name()); }
  void ended(const std::string& condition) {
    std::lock_guard lock(mutex);
    if (!closed || close_condition.empty()) close_condition = condition;
    closed = true;
    changed.notify_all();
  }
  void on_sender_open(proton::sender& s) override { link_opened(s.target().address()); }
  void on_receiver_open(proton::receiver& r) override { link_opened(r.source().address()); }
  void link_opened(const std::string& address) {
    std::lock_guard lock(mutex);
    if (address == "$cbs") ++cbs_links;
    link_open[address] = true;
    changed.notify_all();
  }
  void on_sender_error(proton::sender& s) override { link_error(s.target().address(), s.error().name()); }
  void on_receiver_error(proton::receiver& r) override { link_error(r.source().address(), r.error().name()); }
  void link_error(const std::string& address, const std::string& condition) {
    std::lock_guard lock(mutex);
    link_errors[address] = condition;
    changed.notify_all();
  }
  void on_message(proton::delivery& d, proton::message& m) override {
    const auto address = d.receiver().source().address();
    std::lock_guard lock(mutex);
    if (address == "$cbs") {
      cbs_replies[proton::to_string(m.correlation_id())] = m;
    } else {
      inbox[address].push_back(m);
      unsettled.push_back(d);
    }
    changed.notify_all();
  }
  void outcome(proton::tracker& t, const char* what) {
    std::lock_guard lock(mutex);
    const auto it = tag_index.find(std::string(t.tag()));
    if (it != tag_index.end()) outcomes[it->second] = what;
    changed.notify_all();
  }
  void on_tracker_accept(proton::tracker& t) override { outcome(t, "accepted"); }
  void on_tracker_reject(proton::tracker& t) override {
    {
      std::lock_guard lock(mutex);
      const auto it = tag_index.find(std::string(t.tag()));
      if (it != tag_index.end()) rejections[it->second] = amqp::rejection_condition(t);
    }
    outcome(t, "rejected");
  }
  void on_tracker_release(proton::tracker& t) override { outcome(t, "released"); }

  // Proton handles may not be copied off the container's thread (their reference counts are
  // not atomic): work goes through the connection's work queue, taken on that thread.
  template <typename F>
  void on_thread(F f) {
    proton::work_queue* queue = nullptr;
    {
      std::lock_guard lock(mutex);
      queue = work_queue;
    }
    if (queue) queue->add(std::move(f));
  }
  template <typename P>
  bool wait(std::chrono::milliseconds timeout, P predicate) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, timeout, predicate);
  }
};

AmqpTestClient::AmqpTestClient(const std::string& host, std::uint16_t port, bool sasl) : impl_(std::make_unique<Impl>()) {
  impl_->url = host + ":" + std::to_string(port);
  impl_->sasl = sasl;
  impl_->thread = std::thread([impl = impl_.get()] {
    try {
      impl->container.run();
    } catch (const std::exception& e) {
      impl->ended(std::string("container: ") + e.what());
    }
  });
}

AmqpTestClient::AmqpTestClient(const std::string& host, std::uint16_t port, const std::string& user,
                               const std::string& password)
    : impl_(std::make_unique<Impl>()) {
  impl_->url = host + ":" + std::to_string(port);
  impl_->user = user;
  impl_->password = password;
  impl_->thread = std::thread([impl = impl_.get()] {
    try {
      impl->container.run();
    } catch (const std::exception& e) {
      impl->ended(std::string("container: ") + e.what());
    }
  });
}

AmqpTestClient::~AmqpTestClient() {
  impl_->container.stop();
  impl_->thread.join();
}

bool AmqpTestClient::wait_open(std::chrono::milliseconds timeout) {
  return impl_->wait(timeout, [this] { return impl_->cbs_links == 2 || impl_->closed; }) && impl_->cbs_links == 2;
}

std::optional<proton::message> AmqpTestClient::cbs_request(proton::message request) {
  if (!wait_open()) return std::nullopt;
  std::string id;
  {
    std::lock_guard lock(impl_->mutex);
    id = "request-" + std::to_string(impl_->next_request++);
  }
  request.id(id);
  request.reply_to("cbs");
  impl_->on_thread([impl = impl_.get(), request] {
    for (auto s : impl->connection.senders())
      if (s.target().address() == "$cbs") s.send(request);
  });
  if (!impl_->wait(std::chrono::seconds(5), [&] { return impl_->cbs_replies.count(id) > 0 || impl_->closed; }))
    return std::nullopt;
  std::lock_guard lock(impl_->mutex);
  const auto it = impl_->cbs_replies.find(id);
  if (it == impl_->cbs_replies.end()) return std::nullopt;
  return it->second;
}

std::optional<int> AmqpTestClient::put_token(const std::string& audience, const std::string& token) {
  proton::message request;
  request.properties().put("operation", "put-token");
  request.properties().put("type", "servicebus.windows.net:sastoken");
  request.properties().put("name", audience);
  request.body(token);
  const auto reply = cbs_request(request);
  if (!reply || !reply->properties().exists("status-code")) return std::nullopt;
  return proton::coerce<int>(reply->properties().get("status-code"));
}

std::string AmqpTestClient::attach_sender(const std::string& address, const std::map<std::string, std::string>& properties) {
  if (!wait_open()) return "not open";
  {
    std::lock_guard lock(impl_->mutex);  // an earlier attach to the address says nothing of this one
    impl_->link_errors.erase(address);
    impl_->link_open.erase(address);
  }
  impl_->on_thread([impl = impl_.get(), address, properties] {
    std::map<proton::symbol, proton::value> link_properties;
    for (const auto& [k, v] : properties) link_properties[proton::symbol(k)] = v;
    auto s = impl->connection.open_sender(address, proton::sender_options().properties(link_properties));
    std::lock_guard lock(impl->mutex);
    impl->senders[address] = s;
  });
  if (!impl_->wait(std::chrono::seconds(5), [&] { return impl_->link_open.count(address) || impl_->closed; }))
    return "timeout";
  cbs_request(proton::message());  // a round trip: a detach sent with the attach has arrived
  std::lock_guard lock(impl_->mutex);
  const auto it = impl_->link_errors.find(address);
  return it == impl_->link_errors.end() ? "" : it->second;
}

std::string AmqpTestClient::attach_receiver(const std::string& address, int credit) {
  if (!wait_open()) return "not open";
  {
    std::lock_guard lock(impl_->mutex);  // an earlier attach to the address says nothing of this one
    impl_->link_errors.erase(address);
    impl_->link_open.erase(address);
  }
  impl_->on_thread([impl = impl_.get(), address, credit] {
    auto r = impl->connection.open_receiver(address, proton::receiver_options().credit_window(credit).auto_accept(false));
    std::lock_guard lock(impl->mutex);
    impl->receivers[address] = r;
  });
  if (!impl_->wait(std::chrono::seconds(5), [&] { return impl_->link_open.count(address) || impl_->closed; }))
    return "timeout";
  cbs_request(proton::message());
  std::lock_guard lock(impl_->mutex);
  const auto it = impl_->link_errors.find(address);
  return it == impl_->link_errors.end() ? "" : it->second;
}

void AmqpTestClient::send_async(const std::string& address, const proton::message& message) {
  std::size_t index = 0;
  {
    std::lock_guard lock(impl_->mutex);
    index = impl_->outcomes.size();
    impl_->outcomes.emplace_back();
    impl_->tag_index["t" + std::to_string(index)] = index;
  }
  impl_->on_thread([impl = impl_.get(), address, message, index] {
    auto it = impl->senders.find(address);
    if (it == impl->senders.end()) return;
    const std::string tag = "t" + std::to_string(index);
    it->second.send(message, proton::binary(tag.begin(), tag.end()));
  });
}

std::string AmqpTestClient::send(const std::string& address, const proton::message& message,
                                 std::chrono::milliseconds timeout) {
  std::size_t index = 0;
  {
    std::lock_guard lock(impl_->mutex);
    index = impl_->outcomes.size();
  }
  send_async(address, message);
  impl_->wait(timeout, [&] { return !impl_->outcomes[index].empty() || impl_->closed; });
  return outcome(index);
}

std::string AmqpTestClient::rejection(std::size_t index) const {
  std::lock_guard lock(impl_->mutex);
  const auto it = impl_->rejections.find(index);
  return it == impl_->rejections.end() ? "" : it->second;
}

std::string AmqpTestClient::link_error(const std::string& address, std::chrono::milliseconds timeout) {
  impl_->wait(timeout, [&] { return impl_->link_errors.count(address) || impl_->closed; });
  std::lock_guard lock(impl_->mutex);
  const auto it = impl_->link_errors.find(address);
  return it == impl_->link_errors.end() ? "" : it->second;
}

std::string AmqpTestClient::outcome(std::size_t index) const {
  std::lock_guard lock(impl_->mutex);
  return index < impl_->outcomes.size() ? impl_->outcomes[index] : "";
}

std::optional<proton::message> AmqpTestClient::receive(const std::string& address, bool accept,
                                                       std::chrono::milliseconds timeout) {
  if (!impl_->wait(timeout, [&] { return !impl_->inbox[address].empty(); })) return std::nullopt;
  proton::message m;
  {
    std::lock_guard lock(impl_->mutex);
    m = impl_->inbox[address].front();
    impl_->inbox[address].pop_front();
  }
  if (accept) accept_all();
  return m;
}

void AmqpTestClient::accept_all() {
  impl_->on_thread([impl = impl_.get()] {
    std::vector<proton::delivery> deliveries;
    {
      std::lock_guard lock(impl->mutex);
      deliveries.swap(impl->unsettled);
    }
    for (auto& d : deliveries) d.accept();
  });
}

bool AmqpTestClient::wait_closed(std::chrono::milliseconds timeout) {
  return impl_->wait(timeout, [this] { return impl_->closed; });
}

std::string AmqpTestClient::close_condition() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->close_condition;
}

}  // namespace outpost::testing
